// Node-side tenant lookups from PostgreSQL (the source of truth), cached for a few
// seconds so a page render does not query the platform tables on every request.
import { LRUCache } from "lru-cache";
import { platformDb } from "@/lib/db/platform-client";
import { isValidSlug } from "./slug";
import { tenantRecordSelect, type TenantRecord } from "./tenant-record";

const CACHE_TTL_MS = 5_000;
const notFound = Symbol("not-found");
type Cached = TenantRecord | typeof notFound;

const globalForCache = globalThis as unknown as { __tenantLookupCache?: LRUCache<string, Cached> };
function cache(): LRUCache<string, Cached> {
  globalForCache.__tenantLookupCache ??= new LRUCache<string, Cached>({ max: 5_000, ttl: CACHE_TTL_MS });
  return globalForCache.__tenantLookupCache;
}

export function forgetCachedTenants(): void {
  cache().clear();
}

async function cached(key: string, load: () => Promise<TenantRecord | null>): Promise<TenantRecord | null> {
  const hit = cache().get(key);
  if (hit !== undefined) return hit === notFound ? null : hit;
  const value = await load();
  cache().set(key, value ?? notFound);
  return value;
}

export function findTenantBySlug(slug: string): Promise<TenantRecord | null> {
  if (!isValidSlug(slug)) return Promise.resolve(null);
  return cached(`slug:${slug}`, () => platformDb().tenant.findUnique({ where: { slug }, select: tenantRecordSelect }));
}

export function findTenantByHostname(hostname: string): Promise<TenantRecord | null> {
  return cached(`host:${hostname}`, async () => {
    const domain = await platformDb().domain.findFirst({
      where: { hostname, verified: true },
      select: { tenant: { select: tenantRecordSelect } },
    });
    return domain?.tenant ?? null;
  });
}
