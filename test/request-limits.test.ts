// The Node side's API limits: several buckets in one Redis script call over TCP
// (lib/ratelimit/hot-limits.ts), taken by the request wrapper for the tenant and the
// principal together, against the real Redis of the test stack.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { issueTokensForPassword } from "@/lib/auth/sign-in-flow";
import { closePool } from "@/lib/db/pool";
import { withPrincipal, withTenant } from "@/lib/http/with-tenant";
import { takeLimits } from "@/lib/ratelimit/hot-limits";
import { platformRateLimits } from "@/lib/ratelimit/limits";
import { tcpRedis } from "@/lib/redis/tcp-client";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { getTenantSettings, updateTenantSettings } from "@/lib/tenancy/tenant-settings";
import { meta, tenantWithOwner, testPassword } from "./support/auth";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const run = randomBytes(4).toString("hex");
const created: string[] = [];
afterAll(async () => {
  await dropTenantsQuietly(created);
  await closePool();
});

/** Sliding windows weigh in the previous window: keep a test from straddling a window edge. */
async function awayFromEdge(windowSeconds: number, marginMs = 3_000): Promise<void> {
  const left = windowSeconds * 1000 - (Date.now() % (windowSeconds * 1000));
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 50));
}

const route = { params: Promise.resolve({}) };
function request(slug: string, headers: Record<string, string> = {}): Request {
  return new Request(`http://${slug}.localhost/api/v1/probe`, { headers: { [internalHeaders.tenant]: slug, ...headers } });
}

describe("takeLimits", () => {
  it("takes every bucket or none: a refusal counts nowhere", async () => {
    await awayFromEdge(60);
    const tight = { bucket: "test", key: `tight-${run}`, limit: 2, windowSeconds: 60 };
    const loose = { bucket: "test", key: `loose-${run}`, limit: 10, windowSeconds: 60 };
    expect((await takeLimits([tight, loose])).map((r) => r.remaining)).toEqual([1, 9]);
    expect((await takeLimits([tight, loose])).map((r) => r.remaining)).toEqual([0, 8]);
    const refused = await takeLimits([tight, loose]);
    expect(refused[0]).toMatchObject({ allowed: false, remaining: 0, limit: 2 });
    expect(refused[0]!.resetSeconds).toBeGreaterThanOrEqual(1);
    // The loose bucket was not charged for the refused call.
    expect(refused[1]).toMatchObject({ allowed: true, remaining: 8 });
    expect((await takeLimits([loose]))[0]).toMatchObject({ allowed: true, remaining: 7 });
  });

  it("keys buckets under REDIS_KEY_PREFIX", async () => {
    const prefix = process.env.REDIS_KEY_PREFIX ?? "";
    expect(prefix).not.toBe("");
    await takeLimits([{ bucket: "test", key: `prefixed-${run}`, limit: 5, windowSeconds: 60 }]);
    expect((await tcpRedis()!.keys(`${prefix}rl:test:prefixed-${run}:*`)).length).toBe(1);
  });

  it("rejects malformed buckets before touching Redis", async () => {
    await expect(takeLimits([{ bucket: "Bad Bucket", key: "k", limit: 1, windowSeconds: 60 }])).rejects.toThrow();
    await expect(takeLimits([{ bucket: "test", key: "k", limit: 0, windowSeconds: 60 }])).rejects.toThrow();
  });
});

describe("the request wrapper", () => {
  it("limits a tenant's API traffic by its setting, as problem+json with headers, and leaves other tenants alone", async () => {
    const a = uniqueSlug("rq");
    const b = uniqueSlug("rq");
    created.push(a, b);
    await tenantWithOwner(a);
    await tenantWithOwner(b);
    await updateTenantSettings(a, { rateLimits: { apiPerMinute: 2 } }, systemContext("limits test"));
    await awayFromEdge(60);
    const handler = withTenant(async () => Response.json({ ok: true }));

    const first = await handler(request(a), route);
    expect(first.status).toBe(200);
    expect(first.headers.get("RateLimit-Limit")).toBe("2");
    expect(first.headers.get("RateLimit-Remaining")).toBe("1");
    expect((await handler(request(a), route)).status).toBe(200);
    const refused = await handler(request(a), route);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.headers.get("RateLimit-Remaining")).toBe("0");
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ status: 429, reason: "rate_limited" });

    // Tenant B: its own bucket, at the platform default.
    const other = await handler(request(b), route);
    expect(other.status).toBe(200);
    expect(other.headers.get("RateLimit-Limit")).toBe(String(platformRateLimits.apiPerMinute));
  });

  it("takes the tenant's and the principal's limits in one Redis call, and the tighter one speaks", async () => {
    const slug = uniqueSlug("rq");
    created.push(slug);
    const { ownerEmail } = await tenantWithOwner(slug);
    await updateTenantSettings(slug, { rateLimits: { apiPerMinute: 50, principalPerMinute: 3 } }, systemContext("limits test"));
    const settings = await getTenantSettings(slug);
    const { pair } = await issueTokensForPassword(slug, settings, { email: ownerEmail, password: testPassword }, meta());
    const handler = withPrincipal("members:read", async ({ principal }) => Response.json({ id: principal.id }));
    const auth = { authorization: `Bearer ${pair.access_token}` };
    await awayFromEdge(60);
    await handler(request(slug, auth), route); // warms the caches (tenant, settings, session)

    const redis = tcpRedis()!;
    const evalsha = vi.spyOn(redis, "evalsha");
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    try {
      const res = await handler(request(slug, auth), route);
      expect(res.status).toBe(200);
      expect(evalsha).toHaveBeenCalledTimes(1); // one round trip for both buckets
      expect(fetchSpy).not.toHaveBeenCalled(); // and none over HTTP (the Upstash bridge)
      // Principal: 3 per minute, 2 used -> the principal's result speaks.
      expect(res.headers.get("RateLimit-Limit")).toBe("3");
      expect(res.headers.get("RateLimit-Remaining")).toBe("1");
    } finally {
      evalsha.mockRestore();
      fetchSpy.mockRestore();
    }
    expect((await handler(request(slug, auth), route)).status).toBe(200);
    const refused = await handler(request(slug, auth), route);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ reason: "rate_limited" });
  });
});
