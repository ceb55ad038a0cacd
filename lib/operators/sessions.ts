// Operator sessions: a small signed-session module rather than a second next-auth
// configuration. next-auth here is built around the tenant (its Credentials provider
// redeems a tenant-bound ticket, its JWT names the tenant, its routes live under
// /api/auth on the tenant's host); a second instance would need its own base path,
// cookie set and callbacks, and still a server-side record to make revocation work.
// So: a row in public.operator_sessions (revocable, expiring) and a cookie holding a
// JWT from lib/auth/signed-tokens.ts (purpose operator-session, its own HKDF key) that
// names the row. Every request checks the row and the operator, so a revocation or a
// disabled operator takes effect on the next request.
import { randomUUID } from "node:crypto";
import { operatorAudience, signToken, tokenLifetimeSeconds, verifyToken } from "@/lib/auth/signed-tokens";
import type { AuditContext } from "@/lib/audit/context";
import type { Prisma } from "@/lib/db/generated/platform/client";
import { platformDb } from "@/lib/db/platform-client";
import { serverEnv } from "@/lib/env";
import type { RequestMeta } from "@/lib/http/request-meta";

/** Its own name, never the tenant session's (platform.session): the two never meet. */
export function operatorCookie(): { name: string; secure: boolean } {
  const env = serverEnv();
  const secure = env.AUTH_SECURE_COOKIES ?? env.NODE_ENV === "production";
  // __Host-: Secure, Path=/, no Domain, so it is bound to the root domain's host alone.
  return { name: secure ? "__Host-platform.operator" : "platform.operator", secure };
}

export function operatorCookieHeader(token: string | null): string {
  const { name, secure } = operatorCookie();
  const maxAge = token === null ? 0 : tokenLifetimeSeconds("operator-session");
  return `${name}=${token ?? ""}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
}

export interface Operator {
  id: string;
  email: string;
  sessionId: string;
}

/** Opens a session row and returns the cookie's token. Call only after password and TOTP were checked. */
export async function openOperatorSession(tx: Prisma.TransactionClient, operatorId: string, meta: RequestMeta): Promise<string> {
  const id = randomUUID();
  const expiresAt = new Date(Date.now() + tokenLifetimeSeconds("operator-session") * 1000);
  await tx.operatorSession.create({
    data: { id, operatorId, ip: meta.ip?.slice(0, 64) ?? null, userAgent: meta.userAgent?.slice(0, 500) ?? null, expiresAt },
  });
  return signToken("operator-session", { tenant: operatorAudience, userId: operatorId, jti: id, mfa: true });
}

/** The operator of a session cookie, or null (bad, expired or revoked token; disabled operator). */
export async function operatorFromToken(token: string | undefined): Promise<Operator | null> {
  if (!token || token.length > 2000) return null;
  const claims = await verifyToken("operator-session", token, operatorAudience);
  if (!claims?.mfa) return null;
  const row = await platformDb().operatorSession.findUnique({
    where: { id: claims.jti },
    select: { operatorId: true, expiresAt: true, revokedAt: true, operator: { select: { email: true, status: true, totpEnabledAt: true } } },
  });
  if (!row || row.operatorId !== claims.userId || row.revokedAt || row.expiresAt.getTime() <= Date.now()) return null;
  if (row.operator.status !== "active" || !row.operator.totpEnabledAt) return null;
  return { id: claims.userId, email: row.operator.email, sessionId: claims.jti };
}

export async function revokeOperatorSession(sessionId: string): Promise<void> {
  await platformDb().operatorSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** Who an operator's audit rows name. */
export function operatorAuditContext(operator: { id: string; email: string }, meta: RequestMeta): AuditContext {
  return {
    actorType: "operator",
    actorId: operator.id,
    actorLabel: operator.email,
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 500),
  };
}
