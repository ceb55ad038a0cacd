// The platform's record of clusters (public.db_clusters) and the start-up rule: every
// cluster a tenant row names must be configured here, else the process stops with its name.
import type pg from "pg";
import { AppError } from "@/lib/errors/app-error";
import { clusterNames, isConfiguredCluster } from "./clusters";
import { getPool } from "./pool";

/** Adds a cluster to the registry (idempotent), in the caller's platform transaction or autocommit on the pool. */
export async function registerCluster(platform: pg.ClientBase | pg.Pool, name: string): Promise<void> {
  await platform.query("INSERT INTO public.db_clusters (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", [name]);
}

/** Clusters that tenants are placed on but that this process has no configuration for. */
export async function unconfiguredTenantClusters(platform: pg.Pool | pg.ClientBase = getPool()): Promise<{ cluster: string; tenants: number }[]> {
  const { rows } = await platform.query<{ cluster: string; tenants: number }>(
    "SELECT cluster, count(*)::int AS tenants FROM public.tenants GROUP BY cluster ORDER BY cluster",
  );
  return rows.filter((r) => !isConfiguredCluster(r.cluster));
}

/** Throws, naming every missing cluster, when a tenant lives on a cluster not in DATABASE_CLUSTERS. */
export async function checkTenantClusters(platform?: pg.Pool | pg.ClientBase): Promise<void> {
  const missing = await unconfiguredTenantClusters(platform);
  if (!missing.length) return;
  const list = missing.map((m) => `"${m.cluster}" (${m.tenants} tenant${m.tenants === 1 ? "" : "s"})`).join(", ");
  throw new AppError(
    "internal",
    `Tenants live on database cluster(s) missing from configuration: ${list}. Add them to DATABASE_CLUSTERS (configured: ${clusterNames().join(", ")}).`,
  );
}
