// Refresh tokens rotate on every use. A token is `rt_<row id>.<MAC>`, the MAC keyed by
// a key derived from AUTH_SECRET over tenant and id, so the table stores no secret
// and a token from one tenant fails on every other. The session is the token family:
//  - first use: the row is marked used and a new row (the replacement) is issued;
//  - the same token again within the grace window (concurrent refreshes of one
//    client): the same replacement pair is returned, so a race logs nobody out;
//  - the same token again after that: theft is assumed, the whole family is revoked.
// Rows are locked (FOR UPDATE) so two racing refreshes are serialised.
import { createHmac } from "node:crypto";
import { z } from "zod";
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { safeEqual } from "@/lib/crypto/compare";
import { derivedKey } from "@/lib/crypto/derived-keys";
import type { Prisma } from "@/lib/db/generated/tenant/client";
import { quoteIdent } from "@/lib/db/identifier";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import type { RequestMeta } from "@/lib/http/request-meta";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { text } from "@/lib/zod/text";
import { accessTokenTtlSeconds, signAccessToken } from "./access-tokens";
import { signedInContext } from "./authenticate";

export const refreshGraceMs = 30_000;
export const refreshTokenTtlMs = 30 * 24 * 3600_000;

/** The body of POST /api/v1/auth/refresh and /revoke. */
export const refreshTokenInput = z
  .object({ refresh_token: text().min(1).max(200) })
  .strict()
  .meta({ id: "RefreshTokenRequest" });

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}

function mac(tenant: string, id: string): string {
  return createHmac("sha256", derivedKey("refresh-token")).update(`${tenant}:${id}`).digest("base64url");
}

export function refreshTokenFor(tenant: string, id: string): string {
  return `rt_${id}.${mac(tenant, id)}`;
}

/** The row id of a well-formed token whose MAC is right for this tenant, else null. */
export function parseRefreshToken(tenant: string, token: string): string | null {
  const match = /^rt_([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  return safeEqual(match[2]!, mac(tenant, match[1]!)) ? match[1]! : null;
}

async function pairFor(tenant: string, row: { id: string; createdAt: Date }, user: { id: string; role: string }, sessionId: string): Promise<TokenPair> {
  return {
    access_token: await signAccessToken({ tenant, userId: user.id, role: user.role, sessionId }, Math.floor(row.createdAt.getTime() / 1000)),
    refresh_token: refreshTokenFor(tenant, row.id),
    token_type: "Bearer",
    expires_in: accessTokenTtlSeconds,
  };
}

/** Issues the first pair of a new session (token family), inside the caller's transaction. */
export async function issueTokenPair(
  tx: Prisma.TransactionClient,
  tenant: string,
  user: { id: string; role: string },
  sessionId: string,
  now = new Date(),
): Promise<TokenPair> {
  const row = await tx.refreshToken.create({
    data: { id: crypto.randomUUID(), sessionId, createdAt: now, expiresAt: new Date(now.getTime() + refreshTokenTtlMs) },
    select: { id: true, createdAt: true },
  });
  return pairFor(tenant, row, user, sessionId);
}

interface LockedRow {
  id: string;
  session_id: string;
  expires_at: Date;
  used_at: Date | null;
  replaced_by_id: string | null;
  session_revoked_at: Date | null;
  session_expires_at: Date;
  user_id: string;
  user_email: string;
  user_role: string;
  user_status: string;
}

function lockRowSql(tenant: string): string {
  const s = quoteIdent(schemaNameFor(tenant));
  return `SELECT r.id, r.session_id, r.expires_at, r.used_at, r.replaced_by_id,
                 s.revoked_at AS session_revoked_at, s.expires_at AS session_expires_at,
                 u.id AS user_id, u.email AS user_email, u.role AS user_role, u.status AS user_status
            FROM ${s}.refresh_tokens r
            JOIN ${s}.sessions s ON s.id = r.session_id
            JOIN ${s}.users u ON u.id = s.user_id
           WHERE r.id = $1::uuid
             FOR UPDATE OF r, s`;
}

const invalid = () =>
  new AppError("unauthorized", "The refresh token is invalid, expired or revoked; sign in again.", [], {
    reason: "invalid_grant",
  });

/** Who a token belongs to (plain read), so the audit rows of what follows name them. */
async function ownerContext(tenant: string, id: string, meta: RequestMeta): Promise<AuditContext | null> {
  const row = await tenantDb(tenant).refreshToken.findUnique({
    where: { id },
    select: { session: { select: { user: { select: { id: true, email: true } } } } },
  });
  return row ? signedInContext(row.session.user, meta) : null;
}

/** Rotates a refresh token; see the file comment for the three cases. */
export async function rotateRefreshToken(tenant: string, token: string, meta: RequestMeta, now = new Date()): Promise<TokenPair> {
  const id = parseRefreshToken(tenant, token);
  const actor = id ? await ownerContext(tenant, id, meta) : null;
  if (!id || !actor) throw invalid();
  // The outcome is decided inside the transaction but thrown after it commits, so the
  // revocation on reuse is never rolled back with the error.
  const outcome = await withAudit(tenant, actor, async (tx, audit) => {
    const [row] = await tx.$queryRawUnsafe<LockedRow[]>(lockRowSql(tenant), id);
    if (!row || row.session_revoked_at || row.session_expires_at <= now || row.expires_at <= now || row.user_status !== "active") {
      return { kind: "invalid" as const };
    }
    const user = { id: row.user_id, role: row.user_role };
    if (!row.used_at) {
      const child = await tx.refreshToken.create({
        data: {
          id: crypto.randomUUID(),
          sessionId: row.session_id,
          createdAt: now,
          expiresAt: new Date(now.getTime() + refreshTokenTtlMs),
        },
        select: { id: true, createdAt: true },
      });
      await tx.refreshToken.update({ where: { id: row.id }, data: { usedAt: now, replacedById: child.id } });
      await tx.session.update({ where: { id: row.session_id }, data: { lastSeenAt: now } });
      await audit.record({
        action: auditActions.tokenRefreshed,
        targetType: "session",
        targetId: row.session_id,
        summary: `refresh token rotated for ${row.user_email}`,
      });
      return { kind: "pair" as const, pair: await pairFor(tenant, child, user, row.session_id) };
    }
    if (row.replaced_by_id && now.getTime() - row.used_at.getTime() <= refreshGraceMs) {
      const child = await tx.refreshToken.findUnique({ where: { id: row.replaced_by_id }, select: { id: true, createdAt: true, usedAt: true } });
      // Only while the replacement itself is unused: after that, the old token is stale.
      if (child && !child.usedAt) return { kind: "pair" as const, pair: await pairFor(tenant, child, user, row.session_id) };
    }
    await tx.session.update({ where: { id: row.session_id }, data: { revokedAt: now, revokedReason: "refresh token reuse" } });
    await audit.record({
      action: auditActions.tokenReuseDetected,
      targetType: "session",
      targetId: row.session_id,
      summary: `a used refresh token of ${row.user_email} was presented again; the session was revoked`,
      metadata: { tokenId: row.id, usedAt: row.used_at.toISOString() },
    });
    return { kind: "invalid" as const };
  });
  if (outcome.kind === "invalid") throw invalid();
  return outcome.pair;
}

/** Revokes the family (session) of a refresh token. False when the token is not valid here. */
export async function revokeRefreshToken(tenant: string, token: string, meta: RequestMeta): Promise<boolean> {
  const id = parseRefreshToken(tenant, token);
  const actor = id ? await ownerContext(tenant, id, meta) : null;
  if (!id || !actor) return false;
  return withAudit(tenant, actor, async (tx, audit) => {
    const [row] = await tx.$queryRawUnsafe<LockedRow[]>(lockRowSql(tenant), id);
    if (!row || row.session_revoked_at) return false;
    await tx.session.update({ where: { id: row.session_id }, data: { revokedAt: new Date(), revokedReason: "refresh token revoked" } });
    await audit.record({
      action: auditActions.tokenRevoked,
      targetType: "session",
      targetId: row.session_id,
      summary: `refresh token family of ${row.user_email} revoked`,
    });
    return true;
  });
}
