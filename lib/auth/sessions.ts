// Server-side session records: one per browser sign-in or API token grant. The
// browser's JWT cookie and every access token name their session, and each request
// checks it, so revoking a session takes effect on its next request. Liveness is served
// from memory; any write to sessions or users drops the tenant's entries on every
// instance (withAudit), so a revocation applies everywhere within 1 s.
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { sharedCache } from "@/lib/cache/shared-cache";
import { tenantCaches } from "@/lib/cache/tenant-write-tracking";
import type { Prisma } from "@/lib/db/generated/tenant/client";
import { tenantDb } from "@/lib/db/tenant-client";
import type { RequestMeta } from "@/lib/http/request-meta";
import { AppError } from "@/lib/errors/app-error";
import { touchEveryMs, touchSession } from "./housekeeping-touch";

export const sessionLifetimeMs = { browser: 7 * 24 * 3600_000, api: 30 * 24 * 3600_000 } as const;

export type SessionKind = keyof typeof sessionLifetimeMs;

export async function createSession(
  tx: Prisma.TransactionClient,
  input: { id?: string; userId: string; kind: SessionKind; meta: RequestMeta; now?: Date; lifetimeMs?: number },
): Promise<{ id: string; expiresAt: Date }> {
  const now = input.now ?? new Date();
  // A tenant's shorter lifetime (settings.sessionLifetimeHours) never extends the platform's.
  const expiresAt = new Date(now.getTime() + Math.min(input.lifetimeMs ?? Infinity, sessionLifetimeMs[input.kind]));
  const row = await tx.session.create({
    data: {
      id: input.id ?? crypto.randomUUID(),
      userId: input.userId,
      kind: input.kind,
      ip: input.meta.ip ?? null,
      userAgent: input.meta.userAgent ?? null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
    },
    select: { id: true, expiresAt: true },
  });
  return row;
}

export interface LiveSession {
  id: string;
  kind: string;
  createdAt: Date;
  user: { id: string; email: string; name: string | null; role: string; status: string; mfaEnabledAt: Date | null };
}

interface SessionRow {
  id: string;
  kind: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastSeenAt: Date;
  user: LiveSession["user"];
}

const sessionCache = () => sharedCache<SessionRow | null>({ name: tenantCaches.sessions.cache, max: 50_000, ttlMs: 5 * 60_000 });

/** The session and its user when the session is live (not revoked, not expired, user active). */
export async function liveSession(slug: string, sessionId: string): Promise<LiveSession | null> {
  if (!/^[0-9a-f-]{36}$/i.test(sessionId)) return null;
  const row = await sessionCache().load(
    `${slug}:${sessionId}`,
    () =>
      tenantDb(slug).session.findUnique({
        where: { id: sessionId },
        select: {
          id: true,
          kind: true,
          createdAt: true,
          expiresAt: true,
          revokedAt: true,
          lastSeenAt: true,
          user: { select: { id: true, email: true, name: true, role: true, status: true, mfaEnabledAt: true } },
        },
      }),
    slug,
  );
  const now = Date.now();
  if (!row || row.revokedAt || row.expiresAt.getTime() <= now || row.user.status !== "active") return null;
  if (now - row.lastSeenAt.getTime() > touchEveryMs) {
    row.lastSeenAt = new Date(now); // this instance touches it once per interval, not every request meanwhile
    // Housekeeping, written off the request path (./housekeeping-touch.ts); it writes no audit row.
    void touchSession(slug, row.id, new Date(now));
  }
  return { id: row.id, kind: row.kind, createdAt: row.createdAt, user: row.user };
}

/**
 * A browser session older than the tenant's current session lifetime has ended, even if
 * it was opened under a longer one: shortening the lifetime ends older sessions at once.
 */
export function withinBrowserLifetime(live: Pick<LiveSession, "createdAt">, lifetimeHours: number, now = Date.now()): boolean {
  return now - live.createdAt.getTime() < lifetimeHours * 3_600_000;
}

export interface SessionView {
  id: string;
  kind: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

export async function listSessions(slug: string, userId: string): Promise<SessionView[]> {
  return tenantDb(slug).session.findMany({
    where: { userId, revokedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: "desc" },
    select: { id: true, kind: true, ip: true, userAgent: true, createdAt: true, lastSeenAt: true, expiresAt: true },
    take: 100,
  });
}

/** Revokes one of `userId`'s sessions (its refresh token family with it). */
export async function revokeSession(slug: string, userId: string, sessionId: string, ctx: AuditContext, reason = "revoked by user"): Promise<void> {
  const done = await withAudit(slug, ctx, (tx) =>
    tx.session.updateMany({ where: { id: sessionId, userId, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: reason } }),
  );
  if (done.count === 0) throw new AppError("not_found", "No such active session.");
}

/** Revokes every session of a user (password change, removal from the tenant, ...). */
export async function revokeAllSessions(tx: Prisma.TransactionClient, userId: string, reason: string, exceptId?: string): Promise<number> {
  const done = await tx.session.updateMany({
    where: { userId, revokedAt: null, ...(exceptId ? { id: { not: exceptId } } : {}) },
    data: { revokedAt: new Date(), revokedReason: reason },
  });
  return done.count;
}
