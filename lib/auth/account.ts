// A signed-in user's own account: password, TOTP enrolment, recovery codes.
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { openMfaSecret, sealMfaSecret } from "./mfa-secret";
import { newPasswordSchema } from "./password-policy";
import { hashPassword, verifyPassword } from "./passwords";
import { hashRecoveryCode, newRecoveryCodes } from "./recovery-codes";
import { revokeAllSessions } from "./sessions";
import { checkTotp, newTotpSecret, totpEnrolment } from "./totp";

const wrongCode = () =>
  new AppError("bad_request", "That code is not right. Enter the 6-digit code your app shows now.", [{ path: "code", message: "Wrong code." }]);

async function loadUser(slug: string, userId: string) {
  const user = await tenantDb(slug).user.findUnique({ where: { id: userId } });
  if (!user) throw new AppError("not_found", "No such user.");
  return user;
}

/** Changes the password after checking the current one; signs out every other session. */
export async function changePassword(
  slug: string,
  userId: string,
  sessionId: string,
  raw: unknown,
  ctx: AuditContext,
): Promise<{ otherSessionsRevoked: number }> {
  const user = await loadUser(slug, userId);
  const input = parseOrThrow(
    z.object({ currentPassword: text().min(1, "Enter your current password."), newPassword: newPasswordSchema(user.email) }),
    raw,
    "password change",
  );
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new AppError("bad_request", "The current password is not right.", [{ path: "currentPassword", message: "Not your current password." }]);
  }
  const passwordHash = await hashPassword(input.newPassword);
  return withAudit(slug, ctx, async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { passwordHash, passwordChangedAt: new Date() } });
    return { otherSessionsRevoked: await revokeAllSessions(tx, userId, "password changed", sessionId) };
  });
}

/** Starts (or restarts) TOTP enrolment: a new pending secret and its QR code. */
export async function startMfaEnrolment(slug: string, userId: string, tenantName: string, ctx: AuditContext) {
  const user = await loadUser(slug, userId);
  if (user.mfaEnabledAt) throw new AppError("conflict", "Two-factor authentication is already on.");
  const secret = newTotpSecret();
  await withAudit(slug, ctx, (tx) => tx.user.update({ where: { id: userId }, data: { mfaPendingSecret: sealMfaSecret(slug, userId, secret) } }));
  return { secret, ...(await totpEnrolment(secret, user.email, tenantName)) };
}

/** Confirms enrolment with a first code; turns MFA on and returns 10 recovery codes (shown once). */
export async function confirmMfaEnrolment(slug: string, userId: string, code: string, ctx: AuditContext): Promise<string[]> {
  const user = await loadUser(slug, userId);
  if (user.mfaEnabledAt) throw new AppError("conflict", "Two-factor authentication is already on.");
  if (!user.mfaPendingSecret) throw new AppError("bad_request", "Start the set-up first: no QR code has been issued.");
  const secret = openMfaSecret(slug, userId, user.mfaPendingSecret);
  if (!checkTotp(secret, code.trim())) throw wrongCode();
  const codes = newRecoveryCodes();
  await withAudit(slug, ctx, async (tx, audit) => {
    await tx.user.update({
      where: { id: userId },
      data: { mfaSecret: user.mfaPendingSecret, mfaPendingSecret: null, mfaEnabledAt: new Date() },
    });
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId, codeHash: hashRecoveryCode(slug, userId, c) })) });
    await audit.record({
      action: auditActions.mfaEnrolled,
      targetType: "user",
      targetId: userId,
      summary: `${user.email} turned on two-factor authentication`,
    });
  });
  return codes;
}

/** New recovery codes (the old ones stop working); needs a current TOTP code. */
export async function regenerateRecoveryCodes(slug: string, userId: string, code: string, ctx: AuditContext): Promise<string[]> {
  const user = await loadUser(slug, userId);
  if (!user.mfaSecret || !user.mfaEnabledAt) throw new AppError("bad_request", "Turn on two-factor authentication first.");
  if (!checkTotp(openMfaSecret(slug, userId, user.mfaSecret), code.trim())) throw wrongCode();
  const codes = newRecoveryCodes();
  await withAudit(slug, ctx, async (tx) => {
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId, codeHash: hashRecoveryCode(slug, userId, c) })) });
  });
  return codes;
}

/** Turns MFA off (needs a current TOTP code); refused where the tenant requires it for this role. */
export async function disableMfa(slug: string, userId: string, code: string, required: boolean, ctx: AuditContext): Promise<void> {
  if (required) throw new AppError("forbidden", "This organisation requires two-factor authentication for your role.");
  const user = await loadUser(slug, userId);
  if (!user.mfaSecret || !user.mfaEnabledAt) throw new AppError("bad_request", "Two-factor authentication is not on.");
  if (!checkTotp(openMfaSecret(slug, userId, user.mfaSecret), code.trim())) throw wrongCode();
  await withAudit(slug, ctx, async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { mfaSecret: null, mfaPendingSecret: null, mfaEnabledAt: null } });
    await tx.recoveryCode.deleteMany({ where: { userId } });
  });
}

export async function recoveryCodesLeft(slug: string, userId: string): Promise<number> {
  return tenantDb(slug).recoveryCode.count({ where: { userId, usedAt: null } });
}
