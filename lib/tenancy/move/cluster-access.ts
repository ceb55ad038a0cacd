// What a move needs of the cluster layer: a cluster's pool, the list of clusters, a
// tenant's placement, and telling every instance that a placement changed.
// TEMPORARY stand-in until lib/db/clusters.ts and lib/db/tenant-pool.ts land from the
// clusters branch; then this file only re-exports from them.
import pg from "pg";
import { getPool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import { forgetCachedTenants } from "@/lib/tenancy/find-tenant";

export const DEFAULT_CLUSTER = "default";

function configured(): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of (process.env.DATABASE_CLUSTERS ?? "").split(",")) {
    const at = entry.indexOf("=");
    if (at > 0) map.set(entry.slice(0, at).trim(), entry.slice(at + 1).trim());
  }
  return map;
}

export function clusterNames(): string[] {
  return [DEFAULT_CLUSTER, ...configured().keys()];
}

export function assertConfiguredCluster(name: string): void {
  if (!clusterNames().includes(name)) {
    throw new AppError("bad_request", `Unknown database cluster "${name}": configured clusters are ${clusterNames().join(", ")} (DATABASE_CLUSTERS).`);
  }
}

const g = globalThis as unknown as { __moveClusterPools?: Map<string, pg.Pool> };

export function clusterPool(name: string): pg.Pool {
  if (name === DEFAULT_CLUSTER) return getPool();
  const pools = (g.__moveClusterPools ??= new Map());
  let pool = pools.get(name);
  if (!pool) {
    const url = configured().get(name);
    if (!url) assertConfiguredCluster(name);
    pool = new pg.Pool({ connectionString: url, max: 5 });
    pools.set(name, pool);
  }
  return pool;
}

export async function closeClusterPools(): Promise<void> {
  const pools = [...(g.__moveClusterPools?.values() ?? [])];
  g.__moveClusterPools?.clear();
  await Promise.all(pools.map((p) => p.end()));
}

/** Drops the tenant's placement from every instance's cache (after the switch committed). */
export async function invalidatePlacement(slug: string): Promise<void> {
  void slug;
  await forgetCachedTenants();
}
