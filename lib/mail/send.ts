// The one way to send an email. It never throws: a failure is counted, reported at most
// once a minute (./failures.ts), and returned, so a caller that does not need to know
// (notifications) ignores the result and one that does (an invitation the admin waits
// for) checks `sent`. Bounded by MAIL_TIMEOUT_MS end to end.
import { z } from "zod";
import { withTimeout } from "@/lib/async/with-timeout";
import { edgeEnv, serverEnv } from "@/lib/env";
import { hasNoControlCharacters } from "@/lib/zod/text";
import { mailErrorGist, recordMailFailure } from "./failures";
import { mailTransport } from "./transport";

export interface MailMessage {
  /** One recipient address. */
  to: string;
  /** One line; control characters are refused. */
  subject: string;
  /** The plain-text body (always sent; the html part is optional). */
  text: string;
  html?: string;
  /** Display name for the sender (e.g. the tenant's name); the address is always MAIL_FROM's. */
  fromName?: string;
}

export type MailResult = { sent: true; messageId: string } | { sent: false; error: string };

const messageSchema = z.object({
  to: z.email().max(320),
  subject: z.string().min(1).max(300).refine(hasNoControlCharacters),
  text: z.string().max(100_000),
  html: z.string().max(500_000).optional(),
  fromName: z.string().max(100).refine(hasNoControlCharacters).optional(),
});

/** MAIL_FROM as nodemailer's address object (so a display name is quoted by nodemailer, never by us). */
function sender(fromName: string | undefined): { name: string; address: string } {
  const configured = serverEnv().MAIL_FROM ?? `no-reply@${edgeEnv().APP_ROOT_DOMAIN}`;
  const match = /^(.*) <([^>]+)>$/.exec(configured);
  const address = match?.[2] ?? configured;
  return { name: fromName ?? match?.[1] ?? "", address };
}

export async function sendMail(message: MailMessage): Promise<MailResult> {
  const fail = (error: string): MailResult => {
    recordMailFailure(error);
    return { sent: false, error };
  };
  const parsed = messageSchema.safeParse(message);
  if (!parsed.success) return fail(`invalid message: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  const transport = mailTransport();
  if (!transport) return fail("SMTP_URL is not set");
  const { to, subject, text, html, fromName } = parsed.data;
  try {
    const info = await withTimeout(
      transport.sendMail({ from: sender(fromName), to, subject, text, html }),
      serverEnv().MAIL_TIMEOUT_MS,
      () => new Error(`no answer from the SMTP server within ${serverEnv().MAIL_TIMEOUT_MS} ms`),
    );
    return { sent: true, messageId: String(info.messageId) };
  } catch (err) {
    return fail(mailErrorGist(err));
  }
}
