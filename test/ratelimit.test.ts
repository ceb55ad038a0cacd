// Rate limiting (@upstash/ratelimit over the Node side's TCP connection) against the
// test stack's real Redis (REDIS_URL, REDIS_KEY_PREFIX), plus Redis unreachable,
// hanging and not configured. The API limits the request wrapper takes over TCP are in request-limits.test.ts.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { closePool } from "@/lib/db/pool";
import { edgeEnv, resetEnvCache } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { problemFromError } from "@/lib/http/problem-from-error";
import { applyRateLimitHeaders, rateLimitedError, tighter } from "@/lib/ratelimit/headers";
import { consume, type RateLimitResult } from "@/lib/ratelimit/limiter";
import { effectiveRateLimits, platformRateLimits } from "@/lib/ratelimit/limits";
import { limitPrincipal } from "@/lib/ratelimit/principal-limit";
import { ipBucketKey, limitSignIn } from "@/lib/ratelimit/sign-in-limit";
import { getRedis, resetRedisClient } from "@/lib/redis/client";
import { resetTcpRedis, tcpRedis } from "@/lib/redis/tcp-client";
import { defaultTenantSettings, type TenantSettings } from "@/lib/tenancy/settings";
import { issueTokensForPassword } from "@/lib/auth/sign-in-flow";
import { addUser, meta, tenantWithOwner, testPassword } from "./support/auth";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";
import { captureLogs } from "./support/logs";

const run = randomBytes(4).toString("hex");
const key = (name: string) => `${name}-${run}`;
const created = new Set<string>();

function settingsWith(rateLimits: TenantSettings["rateLimits"]): TenantSettings {
  return { ...defaultTenantSettings(), rateLimits };
}

function redis() {
  const client = getRedis();
  if (!client) throw new Error("Redis is not configured: run the tests with `npx tsx scripts/test.ts unit ratelimit`");
  return client;
}

/** Sliding windows weigh in the previous window: keep a test from straddling a window edge. */
async function awayFromEdge(windowSeconds: number, marginMs = 3_000): Promise<void> {
  const left = windowSeconds * 1000 - (Date.now() % (windowSeconds * 1000));
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 50));
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

/** The AppError a promise rejects with (fails on anything else). */
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

/**
 * Runs fn with the Node side's Redis pointed elsewhere (a redis:// URL), or not configured
 * at all (undefined: the UPSTASH_* switch off), then restores it.
 */
async function withRedis(url: string | undefined, fn: () => Promise<void>): Promise<void> {
  const saved = { redis: process.env.REDIS_URL, url: process.env.UPSTASH_REDIS_REST_URL, token: process.env.UPSTASH_REDIS_REST_TOKEN };
  if (url) process.env.REDIS_URL = url;
  else {
    delete process.env.UPSTASH_REDIS_REST_URL;
    delete process.env.UPSTASH_REDIS_REST_TOKEN;
  }
  resetEnvCache();
  resetRedisClient();
  await resetTcpRedis();
  try {
    await fn();
  } finally {
    process.env.REDIS_URL = saved.redis;
    process.env.UPSTASH_REDIS_REST_URL = saved.url;
    process.env.UPSTASH_REDIS_REST_TOKEN = saved.token;
    resetEnvCache();
    resetRedisClient();
    await resetTcpRedis();
  }
}

/** Counts the scripts the limiters send over the Node side's Redis connection. */
function countScripts(): () => number {
  const client = tcpRedis()!;
  const evalsha = vi.spyOn(client, "evalsha");
  const evalScript = vi.spyOn(client, "eval");
  return () => evalsha.mock.calls.length + evalScript.mock.calls.length;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

afterAll(async () => {
  await dropTenantsQuietly(created);
  await closePool();
});

describe("consume", () => {
  it("counts down to the limit, then refuses with RateLimit-* and Retry-After", async () => {
    await awayFromEdge(3600);
    const k = key("count");
    const results: RateLimitResult[] = [];
    for (let i = 0; i < 4; i++) results.push(await consume({ bucket: "test", key: k, limit: 3, windowSeconds: 3600, onFailure: "open" }));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    for (const r of results) {
      expect(r.limit).toBe(3);
      expect(r.skipped).toBeUndefined();
      expect(r.resetSeconds).toBeGreaterThan(0);
      expect(r.resetSeconds).toBeLessThanOrEqual(3600);
    }

    const allowedHeaders = new Headers();
    applyRateLimitHeaders(allowedHeaders, results[0]);
    expect(allowedHeaders.get("RateLimit-Limit")).toBe("3");
    expect(allowedHeaders.get("RateLimit-Remaining")).toBe("2");
    expect(allowedHeaders.get("Retry-After")).toBeNull();

    const refused = results[3]!;
    const headers = new Headers();
    applyRateLimitHeaders(headers, refused);
    expect(headers.get("RateLimit-Remaining")).toBe("0");
    expect(headers.get("RateLimit-Reset")).toBe(String(refused.resetSeconds));
    expect(Number(headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);

    const res = problemFromError(rateLimitedError(refused, "Slow down."), "req-1");
    expect(res.status).toBe(429);
    expect(res.headers.get("Retry-After")).toBe(headers.get("Retry-After"));
    expect(res.headers.get("RateLimit-Limit")).toBe("3");
    expect(await res.json()).toMatchObject({ status: 429, detail: "Slow down.", reason: "rate_limited" });
  });

  it("keeps keys, buckets and tenants apart", async () => {
    await awayFromEdge(3600);
    const opts = { limit: 1, windowSeconds: 3600, onFailure: "open" } as const;
    expect((await consume({ ...opts, bucket: "api", key: key("tenant-a") })).allowed).toBe(true);
    expect((await consume({ ...opts, bucket: "api", key: key("tenant-a") })).allowed).toBe(false);
    // Tenant A's empty bucket does not limit tenant B, nor A in another bucket.
    expect((await consume({ ...opts, bucket: "api", key: key("tenant-b") })).allowed).toBe(true);
    expect((await consume({ ...opts, bucket: "principal", key: key("tenant-a") })).allowed).toBe(true);
  });

  it("writes its keys under REDIS_KEY_PREFIX", async () => {
    const prefix = edgeEnv().REDIS_KEY_PREFIX;
    expect(prefix).not.toBe(""); // the test stack sets one per run
    await consume({ bucket: "test", key: key("prefixed"), limit: 5, windowSeconds: 60, onFailure: "open" });
    const keys = await redis().keys(`${prefix}ratelimit:test:${key("prefixed")}:*`);
    expect(keys.length).toBe(1);
  });

  it("rejects malformed options", async () => {
    await expect(consume({ bucket: "Bad Bucket", key: "k", limit: 1, windowSeconds: 1, onFailure: "open" })).rejects.toThrow(/bucket/);
    await expect(consume({ bucket: "test", key: "k", limit: 0, windowSeconds: 1, onFailure: "open" })).rejects.toThrow(/positive/);
  });
});

describe("limits from tenant settings", () => {
  it("uses platform defaults, overridden key by key", () => {
    expect(effectiveRateLimits(defaultTenantSettings())).toEqual(platformRateLimits);
    expect(effectiveRateLimits(settingsWith({ principalPerMinute: 7 }))).toEqual({ ...platformRateLimits, principalPerMinute: 7 });
  });

  it("limitPrincipal applies the override, per tenant and principal, and throws 429", async () => {
    await awayFromEdge(60);
    const settings = settingsWith({ principalPerMinute: 2 });
    const user = { kind: "user", id: key("user") } as const;
    expect((await limitPrincipal("rl-a", user, settings)).remaining).toBe(1);
    const last = await limitPrincipal("rl-a", user, settings);
    expect(last).toMatchObject({ allowed: true, limit: 2, remaining: 0 });
    const err = await rejection(limitPrincipal("rl-a", user, settings));
    expect(err.code).toBe("rate_limited");
    expect(err.status).toBe(429);
    expect(Number(err.headers["Retry-After"])).toBeGreaterThanOrEqual(1);
    expect(err.headers["RateLimit-Limit"]).toBe("2");
    // The same id in another tenant, and an API key with the same id, have their own buckets.
    expect((await limitPrincipal("rl-b", user, settings)).allowed).toBe(true);
    expect((await limitPrincipal("rl-a", { kind: "api_key", id: user.id }, settings)).allowed).toBe(true);
    // Without the override the default applies.
    expect((await limitPrincipal("rl-c", user, defaultTenantSettings())).limit).toBe(platformRateLimits.principalPerMinute);
  });

  it("limitSignIn limits per email (hashed in Redis) and per IP, and returns the tighter result", async () => {
    // It checks a Retry-After of more than a minute: start at least 65 s before the window ends.
    await awayFromEdge(900, 65_000);
    const slug = `rl-${run}`;
    const settings = settingsWith({ signInPerEmailPer15Minutes: 2, signInPerIpPer15Minutes: 3 });
    const email = `Victim.${run}@Example.test`;

    const first = await limitSignIn(slug, { ip: "198.51.100.1", email }, settings);
    // IP: 2 of 3 left, email: 1 of 2 left -> the email result speaks.
    expect(first).toMatchObject({ allowed: true, limit: 2, remaining: 1 });
    await limitSignIn(slug, { ip: "198.51.100.2", email: email.toLowerCase() }, settings);
    const byEmail = await rejection(limitSignIn(slug, { ip: "198.51.100.3", email: ` ${email} ` }, settings));
    expect(byEmail.status).toBe(429);
    expect(byEmail.message).toMatch(/Too many sign-in attempts/);
    expect(Number(byEmail.headers["Retry-After"])).toBeGreaterThan(60);

    // The email never appears in a Redis key; the hashed key does.
    const keys = await redis().keys(`${edgeEnv().REDIS_KEY_PREFIX}ratelimit:sign-in-*:${slug}:*`);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect(keys.join(" ").toLowerCase()).not.toContain("example.test");
    expect(keys.join(" ")).not.toContain(run + "@");

    // Per IP: three attempts with different emails, the fourth is refused...
    const ip = "203.0.113.9";
    for (let i = 0; i < 3; i++) await limitSignIn(slug, { ip, email: `spray-${i}-${run}@example.test` }, settings);
    const byIp = await rejection(limitSignIn(slug, { ip, email: `target-${run}@example.test` }, settings));
    expect(byIp.status).toBe(429);
    // ...and the refused attempt took nothing from that email's bucket.
    const other = await limitSignIn(slug, { ip: "203.0.113.10", email: `target-${run}@example.test` }, settings);
    expect(other).toMatchObject({ allowed: true, remaining: 1 });
  }, 100_000);

  it("limits failed sign-ins per tenant across all emails and addresses (password spraying), from the tenant's settings", async () => {
    await awayFromEdge(900);
    const slug = uniqueSlug("spray");
    const quiet = uniqueSlug("spray2");
    created.add(slug);
    created.add(quiet);
    await tenantWithOwner(slug);
    await tenantWithOwner(quiet);
    const settings = settingsWith({ failedSignInsPerTenantPer15Minutes: 3 });
    for (let i = 0; i < 3; i++) await addUser(slug, `user${i}@${slug}.test`, "member");
    // Correct sign-ins do not count.
    for (let i = 0; i < 4; i++)
      await issueTokensForPassword(slug, settings, { email: `user0@${slug}.test`, password: testPassword }, meta({ ip: `198.51.100.${50 + i}` }));
    // One guess per account, each from a new address: per-IP and per-email limits never trip.
    for (let i = 0; i < 3; i++) {
      const err = await rejection(
        issueTokensForPassword(slug, settings, { email: `user${i}@${slug}.test`, password: "Spring2026!" }, meta({ ip: `192.0.2.${10 + i}` })),
      );
      expect(err.status).toBe(401);
    }
    // The tenant's budget of failures is spent: the next attempt is refused before any password check, right or wrong.
    const sprayed = await rejection(
      issueTokensForPassword(slug, settings, { email: `owner@${slug}.test`, password: "Spring2026!" }, meta({ ip: "192.0.2.99" })),
    );
    expect(sprayed.status).toBe(429);
    expect(sprayed.message).toMatch(/Too many sign-in attempts/);
    expect(Number(sprayed.headers["Retry-After"])).toBeGreaterThan(0);
    expect(
      (await rejection(issueTokensForPassword(slug, settings, { email: `user1@${slug}.test`, password: testPassword }, meta({ ip: "192.0.2.100" })))).status,
    ).toBe(429);
    // Another tenant, same settings, is not affected.
    const ok = await issueTokensForPassword(quiet, settings, { email: `owner@${quiet}.test`, password: testPassword }, meta({ ip: "192.0.2.99" }));
    expect(ok.pair.access_token).toBeTruthy();
    // The default applies without an override.
    expect(effectiveRateLimits(defaultTenantSettings()).failedSignInsPerTenantPer15Minutes).toBe(100);
  });

  it("limits IPv6 clients per /64", () => {
    expect(ipBucketKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(ipBucketKey("2001:DB8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(ipBucketKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipBucketKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(ipBucketKey("192.0.2.1")).toBe("192.0.2.1");
    expect(ipBucketKey("not an ip")).toMatch(/^x-[A-Za-z0-9_-]{32}$/);
  });
});

describe("headers", () => {
  const r = (allowed: boolean, remaining: number, extra: Partial<RateLimitResult> = {}): RateLimitResult => ({
    allowed,
    limit: 10,
    remaining,
    resetSeconds: 30,
    ...extra,
  });

  it("tighter prefers a refusal, then an applied limit, then fewer remaining", () => {
    expect(tighter(r(true, 5), r(true, 3))).toEqual(r(true, 3));
    expect(tighter(r(true, 0), r(false, 0, { resetSeconds: 1 }))).toEqual(r(false, 0, { resetSeconds: 1 }));
    expect(tighter(r(true, 0, { skipped: "unavailable" }), r(true, 9))).toEqual(r(true, 9));
    expect(tighter(undefined, r(true, 1))).toEqual(r(true, 1));
    expect(tighter(undefined, undefined)).toBeUndefined();
  });

  it("adds no headers for a skipped result", () => {
    const headers = new Headers();
    applyRateLimitHeaders(headers, r(true, 10, { skipped: "disabled" }));
    expect([...headers.keys()]).toEqual([]);
  });
});

describe("when Redis does not answer", () => {
  it("refused connection: open answers allowed and closed refuses, fast, logged once, then no network for a while", async () => {
    const probe = createServer();
    const port = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve())); // now nothing listens there

    await withRedis(`redis://127.0.0.1:${port}`, async () => {
      const logs = captureLogs();
      onTestFinished(logs.restore);
      const sent = countScripts();

      const open = await timed(() => consume({ bucket: "api", key: key("down"), limit: 5, windowSeconds: 60, onFailure: "open" }));
      expect(open.ms).toBeLessThan(1000);
      expect(open.value).toEqual({ allowed: true, limit: 5, remaining: 5, resetSeconds: 0, skipped: "unavailable" });
      const callsAfterFirst = sent();
      expect(callsAfterFirst).toBeGreaterThanOrEqual(1);

      const closed = await timed(() => consume({ bucket: "sign-in-ip", key: key("down"), limit: 5, windowSeconds: 900, onFailure: "closed" }));
      expect(closed.ms).toBeLessThan(1000);
      expect(closed.value).toMatchObject({ allowed: false, remaining: 0, skipped: "unavailable" });
      expect(closed.value.resetSeconds).toBeGreaterThanOrEqual(1);
      expect(closed.value.resetSeconds).toBeLessThanOrEqual(5);

      const signIn = await timed(() => rejection(limitSignIn("rl-down", { ip: "192.0.2.7", email: `down-${run}@example.test` }, defaultTenantSettings())));
      expect(signIn.ms).toBeLessThan(1000);
      expect(signIn.value.code).toBe("unavailable");
      expect(signIn.value.status).toBe(503);
      expect(signIn.value.headers["Retry-After"]).toBe("5");

      expect((await limitPrincipal("rl-down", { kind: "user", id: "u1" }, defaultTenantSettings())).allowed).toBe(true);

      // The backoff: none of the later calls went to Redis.
      expect(sent()).toBe(callsAfterFirst);
      // One log line for all of them, without keys or emails in it.
      const lines = logs.lines().filter((l) => l.component === "ratelimit");
      expect(lines).toHaveLength(1);
      expect(lines[0]!.msg).toMatch(/Redis unavailable/);
      expect(logs.raw()).not.toContain(run);
    });
  });

  it("hanging Redis: gives up after ~250 ms, then skips Redis until the backoff ends", async () => {
    // Accepts TCP connections and never answers a byte.
    const sockets = new Set<Socket>();
    const hanging = createNetServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const port = (hanging.address() as AddressInfo).port;
    try {
      await withRedis(`redis://127.0.0.1:${port}`, async () => {
        onTestFinished(captureLogs().restore);
        const sent = countScripts();
        const opts = { bucket: "api", key: key("hang"), limit: 5, windowSeconds: 60, onFailure: "open" } as const;

        const first = await timed(() => consume(opts));
        expect(first.value).toMatchObject({ allowed: true, skipped: "unavailable" });
        expect(first.ms).toBeGreaterThanOrEqual(200);
        expect(first.ms).toBeLessThan(1000);
        expect(sent()).toBe(1);

        const second = await timed(() => consume(opts));
        expect(second.value).toMatchObject({ allowed: true, skipped: "unavailable" });
        expect(second.ms).toBeLessThan(50);
        expect(sent()).toBe(1);

        // Once the backoff has passed, Redis is tried again.
        vi.useFakeTimers({ toFake: ["Date"] });
        vi.setSystemTime(Date.now() + 6_000);
        const third = await timed(() => consume(opts));
        expect(third.value.skipped).toBe("unavailable");
        expect(sent()).toBe(2);
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it("not configured: limits are disabled (allowed, no headers), logged once, sign-in not refused", async () => {
    await withRedis(undefined, async () => {
      const logs = captureLogs();
      onTestFinished(logs.restore);
      const a = await consume({ bucket: "api", key: key("off"), limit: 1, windowSeconds: 60, onFailure: "closed" });
      const b = await consume({ bucket: "api", key: key("off"), limit: 1, windowSeconds: 60, onFailure: "closed" });
      expect(a).toEqual({ allowed: true, limit: 1, remaining: 1, resetSeconds: 0, skipped: "disabled" });
      expect(b.skipped).toBe("disabled");
      expect((await limitSignIn("rl-off", { ip: "192.0.2.8", email: "x@example.test" }, defaultTenantSettings())).skipped).toBe("disabled");
      const lines = logs.lines().filter((l) => l.component === "ratelimit");
      expect(lines).toHaveLength(1);
      expect(lines[0]!.msg).toMatch(/not configured/);
    });
    // Back on the real Redis: limits apply again.
    expect((await consume({ bucket: "api", key: key("on"), limit: 1, windowSeconds: 60, onFailure: "open" })).skipped).toBeUndefined();
  });
});
