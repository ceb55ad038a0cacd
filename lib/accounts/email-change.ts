// Changing a signed-in user's email address: asked with the current password, confirmed
// by a single-use link (24 h) sent to the new address; the old address gets a notice.
// Until the link is opened nothing changes. The new address must still be free then.
import type { z } from "zod";
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { verifyPassword } from "@/lib/auth/passwords";
import { sha256Hex } from "@/lib/crypto/compare";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { anonymousContext, type RequestMeta } from "@/lib/http/request-meta";
import { sendMail } from "@/lib/mail/send";
import { mayMailAddress } from "@/lib/ratelimit/account-email-limit";
import { emailChangeConfirmEmail, emailChangeNoticeEmail } from "./emails";
import { invalidLinkMessage } from "./password-reset";
import type { emailChangeInput } from "./schemas";
import { claimAccountToken, issueAccountToken } from "./tokens";

const taken = () =>
  new AppError("conflict", "That address already belongs to an account here.", [{ path: "newEmail", message: "Already in use." }], { reason: "email_taken" });

/** Sends the confirmation link to the new address. `sent` false: the mail could not be handed over (try again). */
export async function requestEmailChange(
  tenant: { slug: string; name: string },
  userId: string,
  input: z.infer<typeof emailChangeInput>,
  origin: string,
  ctx: AuditContext,
): Promise<{ sent: boolean }> {
  const db = tenantDb(tenant.slug);
  const user = await db.user.findUnique({ where: { id: userId }, select: { id: true, email: true, passwordHash: true } });
  if (!user) throw new AppError("not_found", "No such user.");
  if (!(await verifyPassword(user.passwordHash, input.password))) {
    throw new AppError("bad_request", "The current password is not right.", [{ path: "password", message: "Not your current password." }]);
  }
  if (input.newEmail === user.email)
    throw new AppError("bad_request", "That is already your address.", [{ path: "newEmail", message: "Already your address." }]);
  if (await db.user.findUnique({ where: { email: input.newEmail }, select: { id: true } })) throw taken();
  if (!(await mayMailAddress(tenant.slug, input.newEmail))) {
    throw new AppError("rate_limited", "Too many emails to that address; try again in an hour.", [], { headers: { "Retry-After": "3600" } });
  }
  const { token } = await withAudit(tenant.slug, ctx, async (tx, audit) => {
    const issued = await issueAccountToken(tx, { userId, purpose: "email_change", newEmail: input.newEmail });
    await audit.record({
      action: auditActions.emailChangeRequested,
      targetType: "user",
      targetId: userId,
      summary: `${user.email} asked to change the address to ${input.newEmail}`,
    });
    return issued;
  });
  const result = await sendMail(emailChangeConfirmEmail(input.newEmail, tenant.name, `${origin}/confirm-email/${token}`, user.email));
  // The notice is a courtesy: its failure is counted and logged by sendMail, nothing more.
  void sendMail(emailChangeNoticeEmail(user.email, tenant.name, input.newEmail));
  return { sent: result.sent };
}

/** The new address a live confirmation link is for (the page shows it), or null. */
export async function pendingEmailChange(slug: string, token: string): Promise<{ from: string; to: string } | null> {
  const row = await tenantDb(slug).accountToken.findUnique({
    where: { tokenHash: sha256Hex(token) },
    select: { purpose: true, usedAt: true, expiresAt: true, newEmail: true, user: { select: { email: true } } },
  });
  return row && row.purpose === "email_change" && !row.usedAt && row.expiresAt > new Date() && row.newEmail ? { from: row.user.email, to: row.newEmail } : null;
}

/** Opens a confirmation link: the account's address becomes the new one. */
export async function confirmEmailChange(slug: string, token: string, meta: RequestMeta): Promise<{ email: string }> {
  const invalid = () => new AppError("bad_request", invalidLinkMessage, [{ path: "token", message: invalidLinkMessage }], { reason: "invalid_token" });
  const pending = await pendingEmailChange(slug, token);
  if (!pending) throw invalid();
  try {
    return await withAudit(slug, anonymousContext(meta, pending.from), async (tx, audit) => {
      const claimed = await claimAccountToken(tx, token, "email_change");
      if (!claimed?.newEmail) throw invalid();
      await tx.user.update({ where: { id: claimed.userId }, data: { email: claimed.newEmail } });
      await audit.record({
        action: auditActions.emailChanged,
        targetType: "user",
        targetId: claimed.userId,
        summary: `${claimed.user.email} is now ${claimed.newEmail}`,
      });
      return { email: claimed.newEmail };
    });
  } catch (err) {
    // Someone took the address between the request and the confirmation.
    if ((err as { code?: string }).code === "P2002") throw taken();
    throw err;
  }
}
