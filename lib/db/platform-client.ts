import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/db/generated/platform/client";
import { serverEnv } from "@/lib/env";
import { getPool } from "./pool";

export type PlatformClient = PrismaClient;

const globalForPlatform = globalThis as unknown as { __platformClient?: PrismaClient };

/** The Prisma client for the `public` (platform) schema, on the shared pool. */
export function platformDb(): PrismaClient {
  globalForPlatform.__platformClient ??= new PrismaClient({
    adapter: new PrismaPg(getPool(), { schema: "public" }),
    // Statements only: Prisma's stdout query log does not print parameter values.
    log: serverEnv().LOG_SQL ? ["query"] : [],
  });
  return globalForPlatform.__platformClient;
}

export function forgetPlatformClient(): void {
  globalForPlatform.__platformClient = undefined;
}
