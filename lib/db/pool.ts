// One pg.Pool per PostgreSQL cluster for the whole process: every tenant's Prisma client
// shares its cluster's pool, because a pool per tenant runs out of connections at about a
// hundred tenants. This is the platform cluster's (DATABASE_URL, also the tenant cluster
// named `default`); the others are made by ./clusters.ts.
import pg from "pg";
import { serverEnv } from "@/lib/env";
import { log } from "@/lib/observability/logger";

const globalForPool = globalThis as unknown as { __platformPool?: pg.Pool; __clusterPools?: Map<string, pg.Pool> };

export function getPool(): pg.Pool {
  if (!globalForPool.__platformPool) {
    const env = serverEnv();
    globalForPool.__platformPool = newPool(env.DATABASE_URL, env.DB_POOL_MAX, "default");
  }
  return globalForPool.__platformPool;
}

/** A bounded pool; `label` names the cluster in logs (never the URL: it may hold a password). */
export function newPool(connectionString: string, max: number, label: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000 });
  // Each PrismaPg adapter adds an error listener to the shared pool.
  pool.setMaxListeners(0);
  pool.on("error", (err) => log().error({ component: "db", cluster: label, reason: err.message }, "idle client error"));
  return pool;
}

/** The pools of the other clusters, kept here so closePool() ends them all. */
export function clusterPoolRegistry(): Map<string, pg.Pool> {
  return (globalForPool.__clusterPools ??= new Map());
}

/** Ends every pool: the platform's and every cluster's. */
export async function closePool(): Promise<void> {
  const pools = [globalForPool.__platformPool, ...clusterPoolRegistry().values()];
  globalForPool.__platformPool = undefined;
  clusterPoolRegistry().clear();
  await Promise.all(pools.map((p) => p?.end()));
}
