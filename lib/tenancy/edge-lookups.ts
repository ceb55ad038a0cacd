// Edge-side lookups against the Redis mirror, cached briefly in the isolate. Any Redis
// failure answers "unknown" so the Node side decides; it never blocks a request.
import { getRedis } from "@/lib/redis/client";
import { mirrorKeys } from "./mirror-keys";
import type { EdgeLookups, Lookup } from "./resolve-request";

/**
 * A value the Edge only lets through is kept 10 minutes: an active status, a custom domain's
 * tenant. The Node side re-checks both against PostgreSQL (its cache follows every change
 * within 1 s), so a stale one cannot serve a suspended tenant or a removed domain. With
 * thousands of tenants a short TTL makes many requests a Redis round trip: at one minute,
 * a W1 load over 2,000 tenants still spent ~0.6 ms of CPU per request in the Edge's fetches.
 */
const PASS_TTL_MS = 10 * 60_000;
/** A status the Edge answers 404 on itself (suspended, archived): a reactivation routes within 5 s. */
const TTL_MS = 5_000;
/**
 * A hostname Redis does not know is remembered only this long (a quarter of the bound): a domain
 * verified a moment ago must route within the platform's 1 s bound, which also holds the
 * mirror's write and the Node side's own lookup (at half the bound, a CI run measured 1.02 s). (A known one may stay cached
 * longer: the Node side re-checks it against PostgreSQL, whose cache follows every change.)
 */
const MISS_TTL_MS = 250;
/** After a Redis failure, requests skip Redis this long instead of each waiting for its timeout. */
const BACKOFF_MS = 5_000;
const MAX_ENTRIES = 50_000;
const isDomainKey = (key: string) => key.startsWith(mirrorKeys.domain(""));
const isolateCache = new Map<string, { value: Lookup<string>; expires: number }>();
let redisDownUntil = 0;

async function cachedGet(key: string): Promise<Lookup<string>> {
  const now = Date.now();
  const hit = isolateCache.get(key);
  if (hit && hit.expires > now) return hit.value;
  const redis = getRedis();
  if (!redis || now < redisDownUntil) return "unknown";
  let value: Lookup<string>;
  try {
    const [ready, found] = await redis.mget<(string | null)[]>(mirrorKeys.ready, key);
    value = found ?? (ready ? null : "unknown");
  } catch {
    redisDownUntil = now + BACKOFF_MS; // the Node side decides meanwhile
    return "unknown";
  }
  // Bounded: the oldest entry goes first (a Map iterates in insertion order).
  isolateCache.delete(key);
  if (isolateCache.size >= MAX_ENTRIES) isolateCache.delete(isolateCache.keys().next().value!);
  const ttl = value === null ? MISS_TTL_MS : value === "active" || isDomainKey(key) ? PASS_TTL_MS : TTL_MS;
  isolateCache.set(key, { value, expires: now + ttl });
  return value;
}

export const edgeLookups: EdgeLookups = {
  tenantStatus: (slug) => cachedGet(mirrorKeys.tenant(slug)),
  domainTenant: (hostname) => cachedGet(mirrorKeys.domain(hostname)),
};
