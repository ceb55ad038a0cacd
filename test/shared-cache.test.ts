// In-process caches invalidated across instances over Redis pub/sub (lib/cache), against
// the test stack's real Redis. Another instance is played by a separate Redis connection
// publishing on the channel, exactly as another process's publishInvalidation does;
// e2e/cache-invalidation.spec.ts runs two real servers.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { ensureListening, invalidationsLive, stopInvalidationBus, UNSUBSCRIBED_TTL_MS } from "@/lib/cache/invalidation-bus";
import { sharedCache } from "@/lib/cache/shared-cache";
import { tenantCaches } from "@/lib/cache/tenant-write-tracking";
import { closePool } from "@/lib/db/pool";
import { redisKey } from "@/lib/redis/tcp-client";
import { tenantWithOwner } from "./support/auth";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const run = randomBytes(4).toString("hex");
const other = new Redis(process.env.REDIS_URL!);
const created: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  other.disconnect();
  await dropTenantsQuietly(created);
  await closePool();
});

async function live(): Promise<void> {
  ensureListening();
  for (let i = 0; i < 100 && !invalidationsLive(); i++) await sleep(20);
  expect(invalidationsLive()).toBe(true);
}

async function until(check: () => boolean, ms = 1_000): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > ms) break;
    await sleep(5);
  }
  return performance.now() - started;
}

describe("sharedCache", () => {
  it("drops a key, a group or everything when another instance publishes", async () => {
    const cache = sharedCache<string>({ name: `test-${run}`, max: 100, ttlMs: 60_000 });
    await live();
    cache.set("a", "1", "g1");
    cache.set("b", "2", "g1");
    cache.set("c", "3", "g2");
    const channel = redisKey("cache-invalidate");

    await other.publish(channel, JSON.stringify({ c: `test-${run}`, k: "a" }));
    expect(await until(() => cache.get("a") === undefined)).toBeLessThan(1_000);
    expect(cache.get("b")).toBe("2");

    await other.publish(channel, JSON.stringify({ c: `test-${run}`, k: "group:g1" }));
    expect(await until(() => cache.get("b") === undefined)).toBeLessThan(1_000);
    expect(cache.get("c")).toBe("3");

    // Messages for another cache, or malformed, change nothing.
    await other.publish(channel, JSON.stringify({ c: "someone-else", k: null }));
    await other.publish(channel, "{not json");
    await sleep(50);
    expect(cache.get("c")).toBe("3");

    await other.publish(channel, JSON.stringify({ c: `test-${run}`, k: null }));
    expect(await until(() => cache.get("c") === undefined)).toBeLessThan(1_000);
  });

  it("does not cache a value loaded while an invalidation arrived", async () => {
    const cache = sharedCache<string>({ name: `race-${run}`, max: 100, ttlMs: 60_000 });
    await live();
    const value = await cache.load("k", async () => {
      await cache.invalidate("k"); // a change committed while we were reading
      return "stale";
    });
    expect(value).toBe("stale");
    expect(cache.get("k")).toBeUndefined();
    expect(await cache.load("k", async () => "fresh")).toBe("fresh");
    expect(cache.get("k")).toBe("fresh");
  });

  it("without a live subscription, serves nothing older than the bound", async () => {
    const cache = sharedCache<string>({ name: `down-${run}`, max: 100, ttlMs: 60_000 });
    await live();
    await stopInvalidationBus();
    expect(invalidationsLive()).toBe(false);
    // Reading would resubscribe; keep the bus down by setting and waiting only.
    cache.set("k", "v");
    await sleep(UNSUBSCRIBED_TTL_MS + 100);
    expect(cache.get("k")).toBeUndefined();
    await live(); // the get above started listening again
  });
});

describe("withAudit", () => {
  it("drops the tenant's cached sessions and keys everywhere after a write that touched them, and only those", async () => {
    const slug = uniqueSlug("cache");
    const otherSlug = uniqueSlug("cache");
    created.push(slug, otherSlug);
    await tenantWithOwner(slug);
    const sessions = sharedCache<string>({ name: tenantCaches.sessions.cache, max: 100, ttlMs: 60_000 });
    const integrations = sharedCache<string>({ name: tenantCaches.integrations.cache, max: 100, ttlMs: 60_000 });
    await live();
    sessions.set(`${slug}:s1`, "live", slug);
    sessions.set(`${otherSlug}:s1`, "live", otherSlug);
    integrations.set(`${slug}:i1`, "cached", slug);

    // Watch the channel as another instance would.
    const seen: string[] = [];
    const listener = new Redis(process.env.REDIS_URL!);
    await listener.subscribe(redisKey("cache-invalidate"));
    listener.on("message", (_c: string, m: string) => seen.push(m));
    try {
      await withAudit(slug, systemContext("cache test"), (tx) => tx.session.updateMany({ where: { revokedAt: null }, data: { revokedAt: new Date() } }));
      expect(sessions.get(`${slug}:s1`)).toBeUndefined();
      expect(sessions.get(`${otherSlug}:s1`)).toBe("live"); // another tenant keeps its entries
      expect(integrations.get(`${slug}:i1`)).toBe("cached"); // a cache of other tables too
      await until(() => seen.length > 0);
      expect(seen.map((m) => JSON.parse(m) as { c: string; k: string })).toContainEqual({ c: tenantCaches.sessions.cache, k: `group:${slug}` });

      // Housekeeping writes that no cached value depends on publish nothing.
      seen.length = 0;
      await withAudit(
        slug,
        systemContext("cache test"),
        (tx) => tx.session.updateMany({ where: { id: crypto.randomUUID() }, data: { lastSeenAt: new Date() } }),
        { keepCaches: true },
      );
      await sleep(100);
      expect(seen).toEqual([]);

      // Raw SQL naming a cached table counts too.
      integrations.set(`${slug}:i1`, "cached", slug);
      await withAudit(slug, systemContext("cache test"), (tx) => tx.$queryRawUnsafe(`SELECT count(*) FROM "tenant_${slug.replace(/-/g, "_")}".integrations`));
      expect(integrations.get(`${slug}:i1`)).toBeUndefined();
    } finally {
      listener.disconnect();
    }
  });
});
