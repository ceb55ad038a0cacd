// The authentication API end to end against the production build (port 3100, full
// stack): tokens, refresh rotation with reuse detection and race grace, API keys and
// scopes, members CRUD, rate limit headers and 429s, CORS, and cross-tenant refusal.
// Each test that changes state works on tenants of its own, made through lib/ here.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { confirmMfaEnrolment, startMfaEnrolment } from "@/lib/auth/account";
import { totpCode } from "@/lib/auth/totp";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { updateTenantSettings } from "@/lib/tenancy/tenant-settings";
import { apiPassword as password, expectProblem, freshTenant, onPort, tenantApi as api } from "./support";

const { url, onHost } = onPort(3100);
test.afterAll(async () => {
  await closePool();
});

test.describe("tokens", () => {
  test("issue, use, refresh, reuse detection, race grace, revoke", async ({ request }) => {
    const slug = await freshTenant("tok");
    const t = api(request, slug);
    const pair = await t.token();
    expect(pair).toMatchObject({ token_type: "Bearer", expires_in: 900 });

    const me = await t.get("/api/v1/me", pair.access_token);
    expect(me.status()).toBe(200);
    expect(await me.json()).toMatchObject({
      tenant: { slug },
      principal: { type: "user", email: `owner@${slug}.test`, role: "owner" },
      role: "owner",
      permissions: expect.arrayContaining(["members:write", "audit:read"]),
    });
    expect(me.headers()["ratelimit-limit"]).toBeTruthy();
    expect(me.headers()["ratelimit-remaining"]).toMatch(/^\d+$/);
    expect(me.headers()["ratelimit-reset"]).toMatch(/^\d+$/);

    // Two racing refreshes with the same token: the same new pair, nobody logged out.
    const [r1, r2] = await Promise.all([
      t.post("/api/v1/auth/refresh", { refresh_token: pair.refresh_token }),
      t.post("/api/v1/auth/refresh", { refresh_token: pair.refresh_token }),
    ]);
    expect(r1.status()).toBe(200);
    expect(r2.status()).toBe(200);
    const next = await r1.json();
    expect(await r2.json()).toEqual(next);
    expect(next.refresh_token).not.toBe(pair.refresh_token);

    // The replacement is used; presenting the first token again is theft: the family dies.
    const third = await t.post("/api/v1/auth/refresh", { refresh_token: next.refresh_token });
    expect(third.status()).toBe(200);
    const thirdPair = await third.json();
    const reuse = await t.post("/api/v1/auth/refresh", { refresh_token: pair.refresh_token });
    expect((await expectProblem(reuse, 401)).reason).toBe("invalid_grant");
    await expectProblem(await t.post("/api/v1/auth/refresh", { refresh_token: thirdPair.refresh_token }), 401);
    await expectProblem(await t.get("/api/v1/me", thirdPair.access_token), 401);
    expect(await tenantDb(slug).auditLog.count({ where: { action: "auth.token_reuse_detected" } })).toBe(1);

    // Revoke ends a family.
    const fresh = await t.token();
    const revoked = await t.post("/api/v1/auth/revoke", { refresh_token: fresh.refresh_token });
    expect(revoked.status()).toBe(200);
    await expectProblem(await t.post("/api/v1/auth/refresh", { refresh_token: fresh.refresh_token }), 401);
    await expectProblem(await t.get("/api/v1/me", fresh.access_token), 401);
  });

  test("bad input, wrong password and unknown email get clear problems that reveal nothing", async ({ request }) => {
    const slug = await freshTenant("bad");
    const t = api(request, slug);
    const missing = await expectProblem(await t.post("/api/v1/auth/token", { email: "x@y.test" }), 400);
    expect(missing.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: "password" })]));
    const notJson = await request.post(url("127.0.0.1", "/api/v1/auth/token"), {
      headers: { ...onHost(`${slug}.localhost`).headers, "content-type": "text/plain" },
      data: "hi",
    });
    await expectProblem(notJson, 400);
    const wrong = await expectProblem(await t.post("/api/v1/auth/token", { email: `owner@${slug}.test`, password: "not the password" }), 401);
    const unknown = await expectProblem(await t.post("/api/v1/auth/token", { email: `ghost@${slug}.test`, password: "not the password" }), 401);
    expect(unknown.detail).toBe(wrong.detail);
    const noAuth = await t.get("/api/v1/me");
    await expectProblem(noAuth, 401);
    expect(noAuth.headers()["www-authenticate"]).toMatch(/^Bearer/);
  });

  test("MFA accounts need the current code as otp", async ({ request }) => {
    const slug = await freshTenant("mfa");
    const t = api(request, slug);
    const owner = await tenantDb(slug).user.findFirstOrThrow();
    const ctx = { actorType: "user" as const, actorId: owner.id, actorLabel: owner.email };
    const { secret } = await startMfaEnrolment(slug, owner.id, "E2E", ctx);
    await confirmMfaEnrolment(slug, owner.id, totpCode(secret), ctx);
    const without = await expectProblem(await t.post("/api/v1/auth/token", { email: owner.email, password }), 401);
    expect(without.reason).toBe("mfa_required");
    await expectProblem(await t.post("/api/v1/auth/token", { email: owner.email, password, otp: "123456" }), 401);
    await t.token(owner.email, totpCode(secret));
  });
});

test.describe("cross-tenant", () => {
  test("tokens and API keys of one tenant are refused (401) on another, by host and by X-Tenant-ID", async ({ request }) => {
    const a = await freshTenant("xa");
    const b = await freshTenant("xb");
    const ta = api(request, a);
    const tb = api(request, b);
    const pair = await ta.token();
    const key = await (await ta.post("/api/v1/api-keys", { name: "k", scopes: ["members:read"] }, pair.access_token)).json();
    expect(key.key).toMatch(/^tpk_/);
    for (const credential of [pair.access_token, key.key]) {
      await expectProblem(await tb.get("/api/v1/me", credential), 401);
      await expectProblem(await tb.get("/api/v1/users", credential), 401);
      const viaHeader = await request.get(url("127.0.0.1", "/api/v1/me"), {
        headers: { host: "127.0.0.1:3100", "x-tenant-id": b, authorization: `Bearer ${credential}` },
      });
      await expectProblem(viaHeader, 401);
      expect((await ta.get("/api/v1/me", credential)).status()).toBe(200);
    }
    await expectProblem(await tb.post("/api/v1/auth/refresh", { refresh_token: pair.refresh_token }), 401);
    // a's members never appear in b's list
    const bList = await (await tb.get("/api/v1/users", (await tb.token()).access_token)).json();
    expect(JSON.stringify(bList)).not.toContain(a);
  });
});

test.describe("members API", () => {
  test("create, list with pagination, read, change role, delete; roles and object rules enforced", async ({ request }) => {
    const slug = await freshTenant("mem");
    const t = api(request, slug);
    const owner = (await t.token()).access_token;

    const bad = await expectProblem(await t.post("/api/v1/users", { email: "not-an-email", role: "boss" }, owner), 400);
    expect((bad.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(["email", "role"]);
    await expectProblem(await t.post("/api/v1/users", { email: "weak@x.test", role: "member", password: "password1234" }, owner), 400);
    expect(await tenantDb(slug).user.count({ where: { email: "weak@x.test" } })).toBe(0);

    const made = await t.post("/api/v1/users", { email: "viewer@x.test", name: "Vee", role: "viewer", password }, owner);
    expect(made.status()).toBe(201);
    const viewer = await made.json();
    expect(viewer).toMatchObject({ email: "viewer@x.test", role: "viewer", status: "active" });
    expect(made.headers().location).toBe(`/api/v1/users/${viewer.id}`);

    const invited = await t.post("/api/v1/users", { email: "new@x.test", role: "member" }, owner);
    expect(invited.status()).toBe(201);
    const inv = await invited.json();
    expect(inv.status).toBe("invited");
    expect(inv.invitation_url).toMatch(new RegExp(`^http://${slug}\\.localhost:3100/invite/[A-Za-z0-9_-]{43}$`));

    await expectProblem(await t.post("/api/v1/users", { email: "viewer@x.test", role: "member", password }, owner), 409);

    const page1 = await (await t.get("/api/v1/users?limit=2", owner)).json();
    expect(page1.data).toHaveLength(2);
    const page2 = await (await t.get(`/api/v1/users?limit=2&cursor=${page1.next_cursor}`, owner)).json();
    expect([...page1.data, ...page2.data].map((u: { email: string }) => u.email)).toEqual(["new@x.test", `owner@${slug}.test`, "viewer@x.test"]);
    await expectProblem(await t.get("/api/v1/users?limit=1000", owner), 400);

    expect((await t.get(`/api/v1/users/${viewer.id}`, owner)).status()).toBe(200);
    await expectProblem(await t.get(`/api/v1/users/00000000-0000-0000-0000-000000000000`, owner), 404);

    const viewerToken = (await t.token("viewer@x.test")).access_token;
    expect((await t.get("/api/v1/users", viewerToken)).status()).toBe(200);
    expect((await expectProblem(await t.post("/api/v1/users", { email: "z@x.test", role: "viewer", password }, viewerToken), 403)).reason).toBe(
      "permission_denied",
    );
    await expectProblem(await t.delete(`/api/v1/users/${inv.id}`, viewerToken), 403);
    // A viewer may rename themself, not others, and not change their role.
    expect((await t.patch(`/api/v1/users/${viewer.id}`, { name: "Vee Two" }, viewerToken)).status()).toBe(200);
    await expectProblem(await t.patch(`/api/v1/users/${viewer.id}`, { role: "admin" }, viewerToken), 403);
    expect(await tenantDb(slug).auditLog.count({ where: { action: "auth.permission_denied" } })).toBeGreaterThanOrEqual(1);

    const promoted = await t.patch(`/api/v1/users/${viewer.id}`, { role: "admin" }, owner);
    expect(await promoted.json()).toMatchObject({ role: "admin" });
    const ownerRow = await tenantDb(slug).user.findFirstOrThrow({ where: { role: "owner" } });
    expect((await expectProblem(await t.patch(`/api/v1/users/${ownerRow.id}`, { role: "admin" }, owner), 409)).reason).toBe("last_owner");

    expect((await t.delete(`/api/v1/users/${inv.id}`, owner)).status()).toBe(204);
    await expectProblem(await t.get(`/api/v1/users/${inv.id}`, owner), 404);
  });
});

test.describe("API keys", () => {
  test("shown once, used as Bearer, scope denial, revoke", async ({ request }) => {
    const slug = await freshTenant("key");
    const t = api(request, slug);
    const owner = (await t.token()).access_token;
    await expectProblem(await t.post("/api/v1/api-keys", { name: "x", scopes: ["nope"] }, owner), 400);
    const res = await t.post("/api/v1/api-keys", { name: "Reporting", scopes: ["members:read"] }, owner);
    expect(res.status()).toBe(201);
    const { key, id, prefix } = await res.json();
    expect(key.startsWith(`${prefix}_`)).toBe(true);
    const listed = await (await t.get("/api/v1/api-keys", owner)).json();
    expect(JSON.stringify(listed)).not.toContain(key);
    expect(listed.data[0]).toMatchObject({ id, prefix, scopes: ["members:read"] });

    const me = await (await t.get("/api/v1/me", key)).json();
    expect(me).toMatchObject({ principal: { type: "api_key", id, prefix }, role: null, permissions: ["members:read"] });
    expect((await t.get("/api/v1/users", key)).status()).toBe(200);
    await expectProblem(await t.post("/api/v1/users", { email: "k@x.test", role: "viewer", password }, key), 403);
    await expectProblem(await t.get("/api/v1/api-keys", key), 403);
    expect((await (await t.get("/api/v1/api-keys", owner)).json()).data[0].lastUsedAt).not.toBeNull();

    expect((await t.delete(`/api/v1/api-keys/${id}`, owner)).status()).toBe(204);
    await expectProblem(await t.get("/api/v1/me", key), 401);
  });
});

test.describe("rate limits and CORS", () => {
  test("the tenant's API limit answers 429 with Retry-After (taken on the Node side with the principal's)", async ({ request }) => {
    const slug = await freshTenant("rl");
    await updateTenantSettings(slug, { rateLimits: { apiPerMinute: 3 } }, systemContext("e2e"));
    const t = api(request, slug);
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 5; i++) {
      const res = await t.get("/api/v1/tenant");
      statuses.push(res.status());
      if (res.status() === 429) limited = res;
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    await expectProblem(limited!, 429);
    expect(Number(limited!.headers()["retry-after"])).toBeGreaterThan(0);
    expect(limited!.headers()["ratelimit-remaining"]).toBe("0");
    // Another tenant is not affected.
    expect((await api(request, "acme").get("/api/v1/tenant")).status()).toBe(200);
  });

  test("sign-in attempts per email are limited strictly (429 with Retry-After)", async ({ request }) => {
    const slug = await freshTenant("rls");
    await updateTenantSettings(slug, { rateLimits: { signInPerEmailPer15Minutes: 2 } }, systemContext("e2e"));
    const t = api(request, slug);
    const body = { email: `owner@${slug}.test`, password: "wrong password!" };
    await expectProblem(await t.post("/api/v1/auth/token", body), 401);
    await expectProblem(await t.post("/api/v1/auth/token", body), 401);
    const third = await t.post("/api/v1/auth/token", body);
    await expectProblem(third, 429);
    expect(Number(third.headers()["retry-after"])).toBeGreaterThan(0);
  });

  test("CORS headers only for origins in the tenant's settings", async ({ request }) => {
    const slug = await freshTenant("cors");
    await updateTenantSettings(slug, { corsOrigins: ["https://app.example.com"] }, systemContext("e2e"));
    const t = api(request, slug);
    const allowed = await t.fetch("/api/v1/me", "OPTIONS", { origin: "https://app.example.com", "access-control-request-method": "GET" });
    expect(allowed.status()).toBe(204);
    expect(allowed.headers()["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(allowed.headers()["access-control-allow-headers"]).toMatch(/Authorization/);
    expect(allowed.headers()["access-control-allow-credentials"]).toBeUndefined();
    const other = await t.fetch("/api/v1/me", "OPTIONS", { origin: "https://evil.example.net", "access-control-request-method": "GET" });
    expect(other.headers()["access-control-allow-origin"]).toBeUndefined();
    const get = await t.get("/api/v1/tenant", undefined, { origin: "https://app.example.com" });
    expect(get.headers()["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(get.headers()["access-control-expose-headers"]).toMatch(/RateLimit-Remaining/);
    const getOther = await t.get("/api/v1/tenant", undefined, { origin: "https://evil.example.net" });
    expect(getOther.headers()["access-control-allow-origin"]).toBeUndefined();
  });
});
