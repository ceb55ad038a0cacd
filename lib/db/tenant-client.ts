// Tenant data access: a Prisma client per tenant schema, on the pool of the cluster the
// tenant lives on (./tenant-pool.ts). PrismaPg({ schema }) makes Prisma write
// schema-qualified SQL, so no search_path is ever set on a pooled connection. Clients
// live in an LRU so thousands of tenants do not keep thousands of clients.
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { LRUCache } from "lru-cache";
import { PrismaClient } from "@/lib/db/generated/tenant/client";
import { serverEnv } from "@/lib/env";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { retryingReads } from "./connection-retry";
import { onPlacementChange, peekTenantCluster, tenantCluster, tenantPool } from "./tenant-pool";

export type TenantClient = PrismaClient;

interface Entry {
  client: PrismaClient;
  /** The cluster its adapter connected to (set on its first query). */
  cluster?: string;
}

const globalForTenants = globalThis as unknown as { __tenantClients?: LRUCache<string, Entry> };

function cache(): LRUCache<string, Entry> {
  if (!globalForTenants.__tenantClients) {
    globalForTenants.__tenantClients = new LRUCache<string, Entry>({
      max: serverEnv().TENANT_CLIENT_CACHE_SIZE,
      // The adapter leaves the shared pool open on disconnect; this only drops the client.
      // Later, not now: a request may be inside a transaction on it (a moved tenant's
      // client is dropped at the switch, mid-request), and $disconnect would end that
      // transaction under it. 20 s: past withAudit's maxWait (5 s) + timeout (10 s).
      dispose: (entry) => void setTimeout(() => void entry.client.$disconnect().catch(() => undefined), 20_000).unref(),
    });
    // A moved tenant's client is bound to the old cluster's pool: drop it everywhere. (null,
    // "everything may have changed", comes when the bus reconnects: clients in use are
    // kept, and tenantDb() compares each one's cluster with a fresh read instead.)
    onPlacementChange((slug) => {
      if (slug !== null) globalForTenants.__tenantClients?.delete(schemaNameFor(slug));
    });
  }
  return globalForTenants.__tenantClients;
}

/**
 * The adapter resolves the tenant's cluster when Prisma first connects, so tenantDb()
 * stays synchronous and costs no lookup once the client exists.
 */
function clusterAdapter(slug: string, schema: string, entry: Entry): SqlDriverAdapterFactory {
  const probe = new PrismaPg({}, { schema });
  return {
    provider: probe.provider,
    adapterName: probe.adapterName,
    async connect() {
      const [cluster, pool] = await Promise.all([tenantCluster(slug), tenantPool(slug)]);
      entry.cluster = cluster;
      return new PrismaPg(pool, { schema }).connect();
    },
  };
}

/** The Prisma client bound to one tenant's schema on its cluster. The slug is validated first. */
export function tenantDb(slug: string): PrismaClient {
  const schema = schemaNameFor(slug);
  let entry = cache().get(schema);
  // Placement re-read since the client connected (a move, seen after the bus's bound): a new client.
  const placed = peekTenantCluster(slug);
  if (entry?.cluster !== undefined && placed !== undefined && placed !== entry.cluster) {
    cache().delete(schema);
    entry = undefined;
  } else if (entry?.cluster !== undefined && placed === undefined) {
    // Not known here any more (expired, or the bus reconnected): re-read it for the next call.
    void tenantCluster(slug).catch(() => undefined);
  }
  if (!entry) {
    const created: Entry = { client: undefined as unknown as PrismaClient };
    created.client = new PrismaClient({ adapter: retryingReads(clusterAdapter(slug, schema, created)), log: serverEnv().LOG_SQL ? ["query"] : [] });
    entry = created;
    cache().set(schema, entry);
  }
  return entry.client;
}

/** Drops a cached client, e.g. after the tenant's schema was dropped. */
export function forgetTenantClient(slug: string): void {
  cache().delete(schemaNameFor(slug));
}

export function tenantClientCacheSize(): number {
  return cache().size;
}
