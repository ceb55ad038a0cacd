// An in-process LRU whose entries every instance drops when one of them publishes a
// change (./invalidation-bus.ts). Hot lookups (tenant, settings, session liveness, API
// keys, integrations) read through it, so a request costs no database round trip for
// them, and a revocation still applies everywhere within the bus's 1 s bound.
import { LRUCache } from "lru-cache";
import { ensureListening, invalidationsLive, publishInvalidation, registerInvalidationTarget, UNSUBSCRIBED_TTL_MS } from "./invalidation-bus";

export interface SharedCacheOptions {
  /** Unique per cache: the name invalidations are addressed to. */
  name: string;
  max: number;
  /** Upper bound on an entry's age even when no invalidation comes (a safety net). */
  ttlMs: number;
}

interface Entry<V> {
  value: V;
  at: number;
  /** Group used by invalidateGroup (e.g. the tenant slug), or "". */
  group: string;
}

export interface SharedCache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V, group?: string): void;
  /** The cached value, else load() (not cached when it throws). */
  load(key: string, loader: () => Promise<V>, group?: string): Promise<V>;
  /** Drops the key on every instance. */
  invalidate(key: string): Promise<void>;
  /** Drops every key of a group (e.g. all sessions of a tenant) on every instance. */
  invalidateGroup(group: string): Promise<void>;
  /** Drops everything on every instance. */
  invalidateAll(): Promise<void>;
  /** Drops everything here only (tests). */
  clear(): void;
  readonly size: number;
}

const groupPrefix = "group:";

/** Drops a group of cache `name` on every instance, whether or not this process holds that cache. */
export function invalidateGroupEverywhere(name: string, group: string): Promise<void> {
  return publishInvalidation(name, `${groupPrefix}${group}`);
}

export function sharedCache<V>(options: SharedCacheOptions): SharedCache<V> {
  const globalForCaches = globalThis as unknown as { __sharedCaches?: Map<string, SharedCache<unknown>> };
  globalForCaches.__sharedCaches ??= new Map();
  const existing = globalForCaches.__sharedCaches.get(options.name);
  if (existing) return existing as SharedCache<V>;

  const lru = new LRUCache<string, Entry<V>>({ max: options.max, ttl: options.ttlMs });
  // A load that started before an invalidation must not cache what it read.
  let epoch = 0;
  const dropLocal = (key: string | null) => {
    epoch++;
    if (key === null) lru.clear();
    else if (key.startsWith(groupPrefix)) {
      const group = key.slice(groupPrefix.length);
      for (const [k, e] of lru.entries()) if (e.group === group) lru.delete(k);
    } else lru.delete(key);
  };
  registerInvalidationTarget(options.name, { invalidate: dropLocal });

  const cache: SharedCache<V> = {
    get(key) {
      ensureListening();
      const entry = lru.get(key);
      if (!entry) return undefined;
      if (!invalidationsLive() && Date.now() - entry.at > UNSUBSCRIBED_TTL_MS) {
        lru.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, value, group = "") {
      lru.set(key, { value, at: Date.now(), group });
    },
    async load(key, loader, group = "") {
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const before = epoch;
      const value = await loader();
      if (epoch === before) cache.set(key, value, group);
      return value;
    },
    invalidate: (key) => publishInvalidation(options.name, key),
    invalidateGroup: (group) => publishInvalidation(options.name, `${groupPrefix}${group}`),
    invalidateAll: () => publishInvalidation(options.name, null),
    clear: () => dropLocal(null),
    get size() {
      return lru.size;
    },
  };
  globalForCaches.__sharedCaches.set(options.name, cache as SharedCache<unknown>);
  return cache;
}
