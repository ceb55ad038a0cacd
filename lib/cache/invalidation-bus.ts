// Cross-instance cache invalidation over Redis pub/sub. Every process (each worker of
// `npm start`, each instance behind a balancer) subscribes to one channel; a change
// publishes {cache, key} after it committed, and every subscriber drops that entry.
//
// The bound: an entry is served at most 1 s after a change on any instance. While the
// subscription is live, invalidations arrive in milliseconds. While it is not (no Redis,
// Redis down, reconnecting), caches serve nothing older than UNSUBSCRIBED_TTL_MS, and
// every cache is cleared when the subscription comes back (messages may have been missed).
import type { Redis } from "ioredis";
import { newSubscriberConnection, redisKey, tcpRedis } from "@/lib/redis/tcp-client";

export const UNSUBSCRIBED_TTL_MS = 1_000;

export interface InvalidationTarget {
  /** Drops one key, or everything when key is null. */
  invalidate(key: string | null): void;
}

interface BusState {
  targets: Map<string, InvalidationTarget>;
  subscriber: Redis | null;
  live: boolean;
  started: boolean;
}

const globalForBus = globalThis as unknown as { __invalidationBus?: BusState };
function state(): BusState {
  globalForBus.__invalidationBus ??= { targets: new Map(), subscriber: null, live: false, started: false };
  return globalForBus.__invalidationBus;
}

const channel = () => redisKey("cache-invalidate");

function deliver(message: string): void {
  let parsed: { c?: unknown; k?: unknown };
  try {
    parsed = JSON.parse(message) as { c?: unknown; k?: unknown };
  } catch {
    return;
  }
  if (typeof parsed.c !== "string") return;
  const target = state().targets.get(parsed.c);
  target?.invalidate(typeof parsed.k === "string" ? parsed.k : null);
}

function clearAll(): void {
  for (const target of state().targets.values()) target.invalidate(null);
}

/** Subscribes on first use by a reader: a CLI that only publishes never holds a subscription. */
export function ensureListening(): void {
  const s = state();
  if (s.started) return;
  s.started = true;
  const sub = newSubscriberConnection();
  s.subscriber = sub;
  if (!sub) return;
  sub.on("message", (_channel: string, message: string) => deliver(message));
  sub.on("ready", () => {
    sub.subscribe(channel()).then(
      () => {
        // Anything published while we were away is lost: start from empty caches.
        clearAll();
        s.live = true;
      },
      () => undefined,
    );
  });
  const down = () => {
    s.live = false;
  };
  sub.on("close", down);
  sub.on("end", down);
  sub.on("error", down);
}

/** Registers a cache under a name, so invalidations addressed to it reach it. */
export function registerInvalidationTarget(name: string, target: InvalidationTarget): void {
  state().targets.set(name, target);
}

/** Whether invalidations from other instances arrive now. */
export function invalidationsLive(): boolean {
  return state().live;
}

/**
 * Drops `key` of cache `name` here at once and on every other instance. Call it after
 * the change committed. Never throws: with Redis down the others fall back to the
 * short TTL, which keeps the bound.
 */
export async function publishInvalidation(name: string, key: string | null): Promise<void> {
  state().targets.get(name)?.invalidate(key);
  const redis = tcpRedis();
  if (!redis) return;
  await redis.publish(channel(), JSON.stringify({ c: name, k: key })).catch(() => undefined);
}

/** For tests: stop listening (the next registration starts again). */
export async function stopInvalidationBus(): Promise<void> {
  const s = state();
  s.started = false;
  s.live = false;
  const sub = s.subscriber;
  s.subscriber = null;
  sub?.disconnect();
}
