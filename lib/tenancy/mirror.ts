// Writes the hostname -> tenant map and tenant statuses into Redis for the Edge
// middleware. Every domain or status change calls one of these; a failure to mirror
// is reported but never undoes the PostgreSQL change (rebuild repairs the mirror).
import type { Redis } from "@upstash/redis";
import { platformDb } from "@/lib/db/platform-client";
import { getRedis } from "@/lib/redis/client";
import { mirrorKeys } from "./mirror-keys";
import { log } from "@/lib/observability/logger";

export interface MirrorResult {
  ok: boolean;
  error?: string;
}

async function attempt(what: string, fn: (redis: Redis) => Promise<unknown>): Promise<MirrorResult> {
  const redis = getRedis();
  if (!redis) return { ok: false, error: "Redis is not configured" };
  try {
    await fn(redis);
    return { ok: true };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log().warn({ component: "tenancy", what, reason: message }, "Redis mirror not updated; run npm run domains:rebuild once Redis is back");
    return { ok: false, error: message };
  }
}

export function mirrorTenant(slug: string, status: string | null): Promise<MirrorResult> {
  return attempt(`tenant ${slug}`, (r) => (status ? r.set(mirrorKeys.tenant(slug), status) : r.del(mirrorKeys.tenant(slug))));
}

export function mirrorDomain(hostname: string, slug: string | null): Promise<MirrorResult> {
  return attempt(`domain ${hostname}`, (r) => (slug ? r.set(mirrorKeys.domain(hostname), slug) : r.del(mirrorKeys.domain(hostname))));
}

async function scanAll(redis: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, { match, count: 1000 });
    cursor = String(next);
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}

/** Rebuilds the whole mirror from PostgreSQL. Returns counts written and removed. */
export async function rebuildMirror(): Promise<MirrorResult & { tenants: number; domains: number; removed: number }> {
  const db = platformDb();
  const [tenants, domains] = await Promise.all([
    db.tenant.findMany({ select: { slug: true, status: true } }),
    db.domain.findMany({ where: { verified: true }, select: { hostname: true, tenant: { select: { slug: true } } } }),
  ]);
  let removed = 0;
  const result = await attempt("the full rebuild", async (redis) => {
    const wanted = new Map<string, string>();
    for (const t of tenants) wanted.set(mirrorKeys.tenant(t.slug), t.status);
    for (const d of domains) wanted.set(mirrorKeys.domain(d.hostname), d.tenant.slug);
    const existing = [...(await scanAll(redis, mirrorKeys.tenantPattern)), ...(await scanAll(redis, mirrorKeys.domainPattern))];
    const stale = existing.filter((k) => !wanted.has(k));
    removed = stale.length;
    const entries = [...wanted.entries()];
    for (let i = 0; i < entries.length; i += 500) {
      const pipe = redis.pipeline();
      for (const [key, value] of entries.slice(i, i + 500)) pipe.set(key, value);
      await pipe.exec();
    }
    for (let i = 0; i < stale.length; i += 500) await redis.del(...stale.slice(i, i + 500));
    await redis.set(mirrorKeys.ready, new Date().toISOString());
  });
  return { ...result, tenants: tenants.length, domains: domains.length, removed };
}

/** Builds the mirror only when Redis has none (its ready marker is missing). */
export async function rebuildMirrorIfMissing(): Promise<MirrorResult> {
  const redis = getRedis();
  if (!redis) return { ok: false, error: "Redis is not configured" };
  try {
    if (await redis.get(mirrorKeys.ready)) return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  return rebuildMirror();
}
