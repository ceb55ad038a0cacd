// Tenant data access: a small Prisma client per tenant schema, all on one shared engine
// (see tenant-engine.ts for how, tenant-adapter.ts for the SQL). Each statement goes to
// the pool of the cluster the tenant lives on, looked up when it is sent (./tenant-pool.ts),
// so a moved tenant's client follows its placement. Queries are schema-qualified, so no
// search_path is ever set on a pooled connection. A client costs ~15 KB and well under a
// millisecond to make; the LRU bounds how many stay.
import { LRUCache } from "lru-cache";
import type { PrismaClient } from "@/lib/db/generated/tenant/client";
import { serverEnv } from "@/lib/env";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { newTenantClient } from "./tenant-engine";

export type TenantClient = PrismaClient;

const globalForTenants = globalThis as unknown as { __tenantClients?: LRUCache<string, PrismaClient> };

function cache(): LRUCache<string, PrismaClient> {
  globalForTenants.__tenantClients ??= new LRUCache<string, PrismaClient>({ max: serverEnv().TENANT_CLIENT_CACHE_SIZE });
  return globalForTenants.__tenantClients;
}

/** The Prisma client bound to one tenant's schema. The slug is validated first. */
export function tenantDb(slug: string): PrismaClient {
  const schema = schemaNameFor(slug);
  let client = cache().get(schema);
  if (!client) {
    client = newTenantClient({ slug, schema });
    cache().set(schema, client);
  }
  return client;
}

/** Drops a cached client, e.g. after the tenant's schema was dropped. */
export function forgetTenantClient(slug: string): void {
  cache().delete(schemaNameFor(slug));
}

export function tenantClientCacheSize(): number {
  return cache().size;
}
