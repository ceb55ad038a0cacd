// One pg.Pool for the whole process: every tenant's Prisma client shares it, because
// a pool per tenant runs out of connections at about a hundred tenants.
import pg from "pg";
import { serverEnv } from "@/lib/env";
import { log } from "@/lib/observability/logger";

const globalForPool = globalThis as unknown as { __platformPool?: pg.Pool };

export function getPool(): pg.Pool {
  if (!globalForPool.__platformPool) {
    const env = serverEnv();
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: env.DB_POOL_MAX, idleTimeoutMillis: 30_000 });
    // Each PrismaPg adapter adds an error listener to the shared pool.
    pool.setMaxListeners(0);
    pool.on("error", (err) => log().error({ component: "db", reason: err.message }, "idle client error"));
    globalForPool.__platformPool = pool;
  }
  return globalForPool.__platformPool;
}

export async function closePool(): Promise<void> {
  const pool = globalForPool.__platformPool;
  globalForPool.__platformPool = undefined;
  await pool?.end();
}
