import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { PrismaClient } from "@/lib/db/generated/platform/client";
import { serverEnv } from "@/lib/env";
import { getPool } from "./pool";

export type PlatformClient = PrismaClient;

const globalForPlatform = globalThis as unknown as { __platformClient?: { pool: pg.Pool; client: PrismaClient } };

/**
 * The Prisma client for the `public` (platform) schema, on the shared pool. Bound to the
 * pool it was made on: after closePool() (a script or test that ends the pool and goes
 * on) the next call makes a client on the new pool instead of one that can no longer connect.
 */
export function platformDb(): PrismaClient {
  const pool = getPool();
  if (globalForPlatform.__platformClient?.pool !== pool)
    globalForPlatform.__platformClient = {
      pool,
      client: new PrismaClient({
        adapter: new PrismaPg(pool, { schema: "public" }),
        // Statements only: Prisma's stdout query log does not print parameter values.
        log: serverEnv().LOG_SQL ? ["query"] : [],
      }),
    };
  return globalForPlatform.__platformClient.client;
}

export function forgetPlatformClient(): void {
  globalForPlatform.__platformClient = undefined;
}
