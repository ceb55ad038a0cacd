// Node-side tenant lookups from PostgreSQL (the source of truth), served from memory:
// every status or domain change drops the cache on every instance (lib/cache), so a
// suspension applies everywhere within 1 s and a request costs no platform query.
import { sharedCache } from "@/lib/cache/shared-cache";
import { platformDb } from "@/lib/db/platform-client";
import { isValidSlug } from "./slug";
import { tenantRecordSelect, type TenantRecord } from "./tenant-record";

// Misses are cached too (null): unknown hosts must not cost a query each.
const cache = () => sharedCache<TenantRecord | null>({ name: "tenants", max: 20_000, ttlMs: 5 * 60_000 });

/** Call after any change to a tenant's status or domains: drops every lookup, everywhere. */
export function forgetCachedTenants(): Promise<void> {
  return cache().invalidateAll();
}

function cached(key: string, load: () => Promise<TenantRecord | null>): Promise<TenantRecord | null> {
  return cache().load(key, load);
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
