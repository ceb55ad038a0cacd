// The Node runtime's Redis: one ioredis connection over TCP (REDIS_URL) for commands
// and one for pub/sub. The Edge keeps @upstash/redis (HTTP); the Node hot path must not
// pay an HTTP round trip. Redis counts as configured when UPSTASH_REDIS_REST_URL is set
// (the same switch as the Edge's), so "no Redis" means the same thing on both sides.
import { Redis, type RedisOptions } from "ioredis";
import { serverEnv } from "@/lib/env";

const globalForRedis = globalThis as unknown as { __tcpRedis?: { command: Redis; url: string } | null };

function options(): RedisOptions {
  const env = serverEnv();
  return {
    // Fail fast: a command waits at most REDIS_TIMEOUT_MS, queued or sent, so an outage
    // degrades features (callers back off, lib/redis/outage-gate.ts) instead of adding
    // seconds. The offline queue covers the first connect and reconnects.
    commandTimeout: env.REDIS_TIMEOUT_MS,
    connectTimeout: Math.max(1_000, env.REDIS_TIMEOUT_MS),
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  };
}

/** True when the platform runs with Redis (UPSTASH_REDIS_REST_URL set). */
export function redisConfigured(): boolean {
  return Boolean(serverEnv().UPSTASH_REDIS_REST_URL);
}

/** The command connection, or null when Redis is not configured. */
export function tcpRedis(): Redis | null {
  if (globalForRedis.__tcpRedis === undefined) {
    if (!redisConfigured()) {
      globalForRedis.__tcpRedis = null;
    } else {
      const url = serverEnv().REDIS_URL;
      const command = new Redis(url, options());
      // Errors surface on the commands that fail; the connection retries by itself.
      command.on("error", () => undefined);
      globalForRedis.__tcpRedis = { command, url };
    }
  }
  return globalForRedis.__tcpRedis?.command ?? null;
}

/** A new connection for SUBSCRIBE (a subscribed connection runs no other commands). */
export function newSubscriberConnection(): Redis | null {
  if (!redisConfigured()) return null;
  const sub = new Redis(serverEnv().REDIS_URL, { ...options(), commandTimeout: undefined });
  sub.on("error", () => undefined);
  return sub;
}

/** Key names are shared with the Edge (REDIS_KEY_PREFIX keeps test runs apart). */
export function redisKey(name: string): string {
  return `${serverEnv().REDIS_KEY_PREFIX}${name}`;
}

/** For tests and scripts that switch Redis on and off. */
export async function resetTcpRedis(): Promise<void> {
  const current = globalForRedis.__tcpRedis;
  globalForRedis.__tcpRedis = undefined;
  current?.command.disconnect();
}
