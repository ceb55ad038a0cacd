// Password reset by email. Asking for a link answers the same whether or not the address
// has an account: the route replies first and runs `sendPasswordResetLink` after the
// response, so neither the body nor the timing tells. The link is single-use, valid 1 h,
// stored hashed; using it sets the password, clears a lockout and signs the user out
// everywhere (every session and its refresh tokens).
import { auditActions } from "@/lib/audit/actions";
import { withAudit } from "@/lib/audit/with-audit";
import { passwordProblem } from "@/lib/auth/password-policy";
import { hashPassword } from "@/lib/auth/passwords";
import { revokeAllSessions } from "@/lib/auth/sessions";
import { sha256Hex } from "@/lib/crypto/compare";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { anonymousContext, type RequestMeta } from "@/lib/http/request-meta";
import { sendMail } from "@/lib/mail/send";
import { log } from "@/lib/observability/logger";
import { mayMailAddress } from "@/lib/ratelimit/account-email-limit";
import { passwordResetEmail } from "./emails";
import type { passwordResetConfirmInput } from "./schemas";
import { claimAccountToken, issueAccountToken } from "./tokens";
import type { z } from "zod";

export const invalidLinkMessage = "This link is invalid, expired or already used. Ask for a new one.";
const invalidLink = () => new AppError("bad_request", invalidLinkMessage, [{ path: "token", message: invalidLinkMessage }], { reason: "invalid_token" });

/**
 * Sends a reset link if `email` is an active account of the tenant and the address has
 * not had too many already. Never throws (it runs after the response): failures are logged.
 */
export async function sendPasswordResetLink(
  tenant: { slug: string; name: string },
  email: string,
  origin: string,
  meta: RequestMeta,
): Promise<{ sent: boolean }> {
  try {
    const user = await tenantDb(tenant.slug).user.findUnique({ where: { email }, select: { id: true, status: true } });
    if (!user || user.status !== "active") return { sent: false };
    if (!(await mayMailAddress(tenant.slug, email))) return { sent: false };
    const { token } = await withAudit(tenant.slug, anonymousContext(meta, email), async (tx, audit) => {
      const issued = await issueAccountToken(tx, { userId: user.id, purpose: "password_reset" });
      await audit.record({
        action: auditActions.passwordResetRequested,
        targetType: "user",
        targetId: user.id,
        summary: `password reset link sent to ${email}`,
      });
      return issued;
    });
    const result = await sendMail(passwordResetEmail(email, tenant.name, `${origin}/reset-password/${token}`));
    return { sent: result.sent };
  } catch (err) {
    log().error(
      { component: "accounts", tenant: tenant.slug },
      `password reset link not sent: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
    );
    return { sent: false };
  }
}

/** The address a live reset link belongs to (the reset page shows it), or null. */
export async function passwordResetEmailFor(slug: string, token: string): Promise<string | null> {
  const row = await tenantDb(slug).accountToken.findUnique({
    where: { tokenHash: sha256Hex(token) },
    select: { purpose: true, usedAt: true, expiresAt: true, user: { select: { email: true, status: true } } },
  });
  return row && row.purpose === "password_reset" && !row.usedAt && row.expiresAt > new Date() && row.user.status === "active" ? row.user.email : null;
}

/** Sets the new password with a reset link's token; returns the account's email. */
export async function resetPassword(
  slug: string,
  input: z.infer<typeof passwordResetConfirmInput>,
  meta: RequestMeta,
): Promise<{ email: string; sessionsRevoked: number }> {
  const email = await passwordResetEmailFor(slug, input.token);
  if (!email) throw invalidLink();
  const problem = passwordProblem(input.password, email);
  if (problem) throw new AppError("bad_request", `Invalid password reset: password: ${problem}`, [{ path: "password", message: problem }]);
  const passwordHash = await hashPassword(input.password);
  return withAudit(slug, anonymousContext(meta, email), async (tx, audit) => {
    // The claim, not the look-up above, decides: of two concurrent uses one wins.
    const claimed = await claimAccountToken(tx, input.token, "password_reset");
    if (!claimed || claimed.user.status !== "active") throw invalidLink();
    await tx.user.update({
      where: { id: claimed.userId },
      data: { passwordHash, passwordChangedAt: new Date(), failedSignIns: 0, firstFailedAt: null, lockedUntil: null, lockouts: 0 },
    });
    const sessionsRevoked = await revokeAllSessions(tx, claimed.userId, "password reset");
    await audit.record({
      action: auditActions.passwordReset,
      targetType: "user",
      targetId: claimed.userId,
      summary: `${claimed.user.email} reset the password by email; ${sessionsRevoked} session(s) signed out`,
    });
    return { email: claimed.user.email, sessionsRevoked };
  });
}
