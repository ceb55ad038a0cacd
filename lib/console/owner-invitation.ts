// The owner invitation of a tenant the console created, sent through lib/mail. When it
// cannot be sent (no SMTP_URL, the server refused), the operator gets the link to pass
// on instead; when it was sent, the link (a credential) is not shown at all.
import { invitationTtlMs } from "@/lib/members/invitation-ttl";
import { sendMail } from "@/lib/mail/send";

export type OwnerInvitation = { email: string; emailed: true } | { email: string; emailed: false; link: string; reason: string };

export async function deliverOwnerInvitation(input: { email: string; tenantName: string; link: string }): Promise<OwnerInvitation> {
  const days = Math.round(invitationTtlMs / 86_400_000);
  const result = await sendMail({
    to: input.email,
    subject: `You are invited to run ${input.tenantName}`,
    fromName: input.tenantName,
    text: [
      `A workspace, ${input.tenantName}, was created for you, and you are its owner.`,
      "",
      `Set your password and sign in here (the link works once, for ${days} days):`,
      input.link,
      "",
      "If you did not expect this, ignore this message.",
    ].join("\n"),
  });
  if (result.sent) return { email: input.email, emailed: true };
  return { email: input.email, emailed: false, link: input.link, reason: result.error };
}
