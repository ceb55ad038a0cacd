// Tenant data access: a Prisma client per tenant schema, all on the shared pool.
// PrismaPg({ schema }) makes Prisma write schema-qualified SQL, so no search_path is
// ever set on a pooled connection. Clients live in an LRU so thousands of tenants
// do not keep thousands of clients.
import { PrismaPg } from "@prisma/adapter-pg";
import { LRUCache } from "lru-cache";
import { PrismaClient } from "@/lib/db/generated/tenant/client";
import { serverEnv } from "@/lib/env";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { retryingReads } from "./connection-retry";
import { getPool } from "./pool";

export type TenantClient = PrismaClient;

const globalForTenants = globalThis as unknown as { __tenantClients?: LRUCache<string, PrismaClient> };

function cache(): LRUCache<string, PrismaClient> {
  globalForTenants.__tenantClients ??= new LRUCache<string, PrismaClient>({
    max: serverEnv().TENANT_CLIENT_CACHE_SIZE,
    // The adapter leaves the shared pool open on disconnect; this only drops the client.
    dispose: (client) => void client.$disconnect().catch(() => undefined),
  });
  return globalForTenants.__tenantClients;
}

/** The Prisma client bound to one tenant's schema. The slug is validated first. */
export function tenantDb(slug: string): PrismaClient {
  const schema = schemaNameFor(slug);
  let client = cache().get(schema);
  if (!client) {
    client = new PrismaClient({ adapter: retryingReads(new PrismaPg(getPool(), { schema })), log: serverEnv().LOG_SQL ? ["query"] : [] });
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
