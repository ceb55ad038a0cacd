// Password and second-factor checks shared by the browser sign-in and the token
// endpoint. Every answer for a wrong email, a wrong password or a locked account is
// the same `invalid`, after the same argon2 work, so nothing reveals which it was.
import { lockouts } from "./metrics";
import { z } from "zod";
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { recordEvent, withAudit, type AuditHandle } from "@/lib/audit/with-audit";
import type { Prisma } from "@/lib/db/generated/tenant/client";
import { tenantDb } from "@/lib/db/tenant-client";
import type { RequestMeta } from "@/lib/http/request-meta";
import { anonymousContext } from "@/lib/http/request-meta";
import { quoteIdent } from "@/lib/db/identifier";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { afterFailure, clearedLockout, isLocked, type LockoutState } from "./lockout";
import { verifyPassword } from "./passwords";
import { totpStep } from "./totp";
import { hashRecoveryCode, looksLikeRecoveryCode } from "./recovery-codes";
import { openMfaSecret } from "./mfa-secret";
import type { Role } from "./permissions";

export interface AuthenticatedUser {
  id: string;
  email: string;
  role: Role;
  mfaEnabled: boolean;
}

export type PasswordResult = { status: "ok"; user: AuthenticatedUser } | { status: "mfa_required"; user: AuthenticatedUser } | { status: "invalid" };

export const invalidCredentialsMessage = "Incorrect email or password. After 5 failed attempts an account is locked for 15 minutes.";

/** The audit context of a user acting on their own account (sign-in, tokens). */
export function signedInContext(user: { id: string; email: string }, meta: RequestMeta): AuditContext {
  return { actorType: "user", actorId: user.id, actorLabel: user.email, requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent };
}

/** Counts a failure against the account (locking it on the fifth) and audits it. */
async function registerFailure(slug: string, userId: string, email: string, reason: string, meta: RequestMeta): Promise<void> {
  let locked = false;
  await withAudit(slug, anonymousContext(meta, email), async (tx, audit) => {
    // Locked, so concurrent failures count one after another instead of overwriting each other.
    const [user] = await tx.$queryRawUnsafe<LockoutState[]>(
      `SELECT failed_sign_ins AS "failedSignIns", first_failed_at AS "firstFailedAt", lockouts, locked_until AS "lockedUntil"
         FROM ${quoteIdent(schemaNameFor(slug))}.users WHERE id = $1::uuid FOR UPDATE`,
      userId,
    );
    if (!user) return;
    const now = new Date();
    const next = isLocked(user, now)
      ? null // already locked: the attempt is audited but does not extend the lock
      : afterFailure(user, now);
    if (next) {
      await tx.user.update({
        where: { id: userId },
        data: { failedSignIns: next.failedSignIns, firstFailedAt: next.firstFailedAt, lockouts: next.lockouts, lockedUntil: next.lockedUntil },
      });
    }
    await audit.record({
      action: auditActions.signInFailed,
      targetType: "user",
      targetId: userId,
      summary: `sign-in failed for ${email} (${reason})`,
      metadata: { email, reason },
    });
    if (next?.lockedNow) {
      locked = true;
      await audit.record({
        action: auditActions.lockedOut,
        targetType: "user",
        targetId: userId,
        summary: `${email} locked until ${next.lockedUntil!.toISOString()} after ${5} failed attempts`,
        metadata: { lockedUntil: next.lockedUntil!.toISOString(), lockouts: next.lockouts },
      });
    }
  });
  // After the commit: a rolled-back lock did not happen.
  if (locked) lockouts.inc();
}

async function lockedNow(slug: string, userId: string): Promise<boolean> {
  const fresh = await tenantDb(slug).user.findUnique({ where: { id: userId }, select: { lockedUntil: true } });
  return !fresh || isLocked(fresh, new Date());
}

/** Step one: email and password. */
export async function checkPassword(slug: string, rawEmail: string, password: string, meta: RequestMeta): Promise<PasswordResult> {
  const email = rawEmail.trim().toLowerCase();
  const user = await tenantDb(slug).user.findUnique({ where: { email } });
  const usable = user && user.status === "active" && user.passwordHash ? user : null;
  const matches = await verifyPassword(usable?.passwordHash, password);
  if (!usable) {
    // What was typed is kept only when it is an email address: people paste
    // passwords into the email field, and audit rows can never be removed.
    const typed = z.email().safeParse(email).success ? email : "(not an email address)";
    await recordEvent(slug, anonymousContext(meta, typed), {
      action: auditActions.signInFailed,
      summary: `sign-in failed for ${typed} (no such active account)`,
      metadata: { email: typed, reason: "unknown_account" },
    });
    return { status: "invalid" };
  }
  if (isLocked(usable, new Date())) {
    await registerFailure(slug, usable.id, email, "locked", meta);
    return { status: "invalid" };
  }
  if (!matches) {
    await registerFailure(slug, usable.id, email, "wrong_password", meta);
    return { status: "invalid" };
  }
  // Guesses racing in parallel may have locked the account while argon2 ran.
  if (await lockedNow(slug, usable.id)) return { status: "invalid" };
  const authenticated: AuthenticatedUser = { id: usable.id, email, role: usable.role as Role, mfaEnabled: usable.mfaEnabledAt !== null };
  return authenticated.mfaEnabled ? { status: "mfa_required", user: authenticated } : { status: "ok", user: authenticated };
}

/** Step two: a TOTP code or a recovery code for a user who passed step one. */
export async function checkSecondFactor(slug: string, userId: string, code: string, meta: RequestMeta): Promise<AuthenticatedUser | null> {
  const user = await tenantDb(slug).user.findUnique({ where: { id: userId } });
  if (!user || user.status !== "active" || !user.mfaSecret || !user.mfaEnabledAt) return null;
  if (isLocked(user, new Date())) {
    await registerFailure(slug, user.id, user.email, "locked", meta);
    return null;
  }
  const authenticated: AuthenticatedUser = { id: user.id, email: user.email, role: user.role as Role, mfaEnabled: true };
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const step = totpStep(openMfaSecret(slug, user.id, user.mfaSecret), trimmed);
    // Each code is accepted once: a replay (same or older step) fails like a wrong code.
    const fresh =
      step !== null &&
      (
        await withAudit(slug, signedInContext(user, meta), (tx) =>
          tx.user.updateMany({ where: { id: user.id, OR: [{ mfaLastStep: null }, { mfaLastStep: { lt: step } }] }, data: { mfaLastStep: step } }),
        )
      ).count === 1;
    if (fresh) {
      await recordEvent(slug, signedInContext(user, meta), {
        action: auditActions.mfaUsed,
        targetType: "user",
        targetId: user.id,
        summary: `${user.email} passed a TOTP check`,
      });
      return authenticated;
    }
  } else if (looksLikeRecoveryCode(trimmed)) {
    const used = await withAudit(slug, signedInContext(user, meta), async (tx, audit) => {
      const result = await tx.recoveryCode.updateMany({
        where: { userId: user.id, codeHash: hashRecoveryCode(slug, user.id, trimmed), usedAt: null },
        data: { usedAt: new Date() },
      });
      if (result.count !== 1) return false;
      const left = await tx.recoveryCode.count({ where: { userId: user.id, usedAt: null } });
      await audit.record({
        action: auditActions.recoveryCodeUsed,
        targetType: "user",
        targetId: user.id,
        summary: `${user.email} signed in with a recovery code (${left} left)`,
        metadata: { remaining: left },
      });
      return true;
    });
    if (used) return authenticated;
  }
  await registerFailure(slug, user.id, user.email, "wrong_second_factor", meta);
  return null;
}

/** A full sign-in succeeded: inside the transaction that opens the session, the failure count and lockout history reset, and it is audited. */
export async function recordSignIn(tx: Prisma.TransactionClient, audit: AuditHandle, user: AuthenticatedUser, how: "browser" | "api"): Promise<void> {
  await tx.user.updateMany({
    where: { id: user.id, OR: [{ failedSignIns: { gt: 0 } }, { lockouts: { gt: 0 } }, { lockedUntil: { not: null } }] },
    data: clearedLockout,
  });
  await audit.record({
    action: how === "browser" ? auditActions.signInSucceeded : auditActions.tokenIssued,
    targetType: "user",
    targetId: user.id,
    summary: how === "browser" ? `${user.email} signed in` : `access and refresh tokens issued to ${user.email}`,
    metadata: { mfa: user.mfaEnabled },
  });
}
