// The PostgreSQL clusters tenant schemas live on. `default` is the platform's own
// (DATABASE_URL); the others come from DATABASE_CLUSTERS=name=url,... Each gets one
// bounded pool per process (CLUSTER_POOL_MAX, else DB_POOL_MAX connections), made on
// first use, so a process that serves no tenant of a cluster holds no connection to it.
import type pg from "pg";
import { serverEnv } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { clusterPoolRegistry, getPool, newPool } from "./pool";

export const DEFAULT_CLUSTER = "default";

/** Every configured cluster, `default` first. */
export function clusterNames(): string[] {
  return [DEFAULT_CLUSTER, ...serverEnv().DATABASE_CLUSTERS.map((c) => c.name)];
}

export function isConfiguredCluster(name: string): boolean {
  return name === DEFAULT_CLUSTER || serverEnv().DATABASE_CLUSTERS.some((c) => c.name === name);
}

/** Refuses a name that is not configured here, naming it and the configured ones. */
export function assertConfiguredCluster(name: string): void {
  if (!isConfiguredCluster(name)) {
    throw new AppError("bad_request", `Unknown database cluster "${name}": configured clusters are ${clusterNames().join(", ")} (DATABASE_CLUSTERS).`);
  }
}

/** The pool of one cluster. `default` is the platform pool. */
export function clusterPool(name: string): pg.Pool {
  if (name === DEFAULT_CLUSTER) return getPool();
  const registry = clusterPoolRegistry();
  let pool = registry.get(name);
  if (!pool) {
    const env = serverEnv();
    const config = env.DATABASE_CLUSTERS.find((c) => c.name === name);
    if (!config) assertConfiguredCluster(name);
    pool = newPool(config!.url, env.CLUSTER_POOL_MAX ?? env.DB_POOL_MAX, name);
    registry.set(name, pool);
  }
  return pool;
}
