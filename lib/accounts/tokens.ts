// Single-use email links (password reset, email change): 32 random bytes, stored as
// SHA-256 only, one live link per user and purpose (a new one replaces the older).
import { randomBytes } from "node:crypto";
import { sha256Hex } from "@/lib/crypto/compare";
import type { Prisma } from "@/lib/db/generated/tenant/client";

export type TokenPurpose = "password_reset" | "email_change";

export const tokenLifetimeMs: Record<TokenPurpose, number> = {
  password_reset: 3600_000,
  email_change: 24 * 3600_000,
};

/** Issues a link token (inside the caller's audited transaction); returns it in clear, once. */
export async function issueAccountToken(
  tx: Prisma.TransactionClient,
  input: { userId: string; purpose: TokenPurpose; newEmail?: string; now?: Date },
): Promise<{ token: string; expiresAt: Date }> {
  const now = input.now ?? new Date();
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + tokenLifetimeMs[input.purpose]);
  await tx.accountToken.deleteMany({ where: { userId: input.userId, purpose: input.purpose, usedAt: null } });
  await tx.accountToken.create({
    data: { userId: input.userId, purpose: input.purpose, tokenHash: sha256Hex(token), newEmail: input.newEmail ?? null, createdAt: now, expiresAt },
  });
  return { token, expiresAt };
}

/**
 * Claims a live token of `purpose` inside the caller's transaction: marks it used (so a
 * second use, even a concurrent one, finds nothing) and returns its row, or null.
 */
export async function claimAccountToken(tx: Prisma.TransactionClient, token: string, purpose: TokenPurpose) {
  const tokenHash = sha256Hex(token);
  const claimed = await tx.accountToken.updateMany({
    where: { tokenHash, purpose, usedAt: null, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  });
  if (claimed.count !== 1) return null;
  return tx.accountToken.findUnique({
    where: { tokenHash },
    select: { id: true, userId: true, newEmail: true, user: { select: { id: true, email: true, status: true } } },
  });
}
