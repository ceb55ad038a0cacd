// Hot lookups are served from each instance's memory (tenant, settings, session
// liveness, API keys, integrations and their secrets). This runs two production
// instances of its own (`npm start`'s launcher, one worker each) on one database and
// Redis, warms instance B, changes something through instance A (or, for a tenant's
// status, from outside like the tenants CLI), and checks that B stops honouring the old
// state within the stated bound of 1 s.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { expect, test } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { closePool } from "@/lib/db/pool";
import { createIntegration } from "@/lib/integrations/integrations";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { setTenantStatus } from "@/lib/tenancy/set-tenant-status";
import { freePort } from "../scripts/lib/free-port";
import { startDnsServer, type TestDnsServer } from "../test/support/dns-server";

const boundMs = 1_000;
const slug = `inv-${randomBytes(3).toString("hex")}`;
const ownerEmail = `owner@${slug}.test`;
const password = "Correct-Horse-Battery-42";
const apps: ChildProcess[] = [];
let portA = 0;
let portB = 0;
let dns: TestDnsServer;

function startInstance(port: number): ChildProcess {
  const child = spawn(process.execPath, ["scripts/start.mjs", "-p", String(port), "-H", "127.0.0.1"], {
    env: {
      ...process.env,
      WEB_CONCURRENCY: "1",
      REDIS_TIMEOUT_MS: "3000",
      RATELIMIT_TIMEOUT_MS: "3000",
      INNGEST_BASE_URL: "http://127.0.0.1:9",
      DNS_RESOLVERS: dns.address,
    },
    stdio: "ignore",
    detached: true,
  });
  apps.push(child);
  return child;
}

async function call(
  port: number,
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
) {
  // fetch cannot set Host: the tenant is named the API's other way.
  const headers: Record<string, string> = { "x-tenant-id": slug, ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.body);
  }
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: init.method ?? "GET", headers, body });
  return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

async function tokens(port: number): Promise<{ access: string; refresh: string }> {
  const res = await call(port, "/api/v1/auth/token", { method: "POST", body: { email: ownerEmail, password } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return { access: String(res.json!.access_token), refresh: String(res.json!.refresh_token) };
}

/** Milliseconds from now until probe() answers `status` (polled every 25 ms); fails after 5 s. */
async function msUntil(status: number, probe: () => Promise<number>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if ((await probe()) === status) return performance.now() - started;
    if (performance.now() - started > 5_000) throw new Error(`still not ${status} after 5 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test.describe.configure({ mode: "serial" });
test.setTimeout(180_000);

test.beforeAll(async () => {
  [portA, portB] = [await freePort(), await freePort()];
  dns = await startDnsServer();
  await createTenant({ slug, name: "Invalidation Ltd", ownerEmail, ownerPassword: password });
  startInstance(portA);
  startInstance(portB);
  for (const port of [portA, portB]) {
    await expect
      .poll(
        () =>
          fetch(`http://127.0.0.1:${port}/api/health`).then(
            (r) => r.status,
            () => 0,
          ),
        { timeout: 90_000 },
      )
      .toBe(200);
  }
});

test.afterAll(async () => {
  for (const app of apps) {
    try {
      if (app.pid) process.kill(-app.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await dns?.close();
  await closePool();
});

/** The status of GET `path` on `port` with a Host header (fetch cannot send one). */
function statusOnHost(port: number, host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

test("a settings change applies on the other instance within 1 s", async () => {
  const { access } = await tokens(portA);
  const origin = "https://cors.example.com";
  // B caches the settings: this origin is not allowed yet.
  const corsOnB = async () => {
    const res = await fetch(`http://127.0.0.1:${portB}/api/v1/me`, { headers: { "x-tenant-id": slug, authorization: `Bearer ${access}`, origin } });
    return res.headers.get("access-control-allow-origin") === origin ? 1 : 0;
  };
  expect(await corsOnB()).toBe(0);
  const patched = await call(portA, "/api/v1/tenant/settings", { method: "PATCH", token: access, body: { corsOrigins: [origin], displayName: "Renamed Ltd" } });
  expect(patched.status).toBe(200);
  const ms = await msUntil(1, corsOnB);
  expect(ms).toBeLessThanOrEqual(boundMs);
  expect((await call(portB, "/api/v1/tenant")).json).toMatchObject({ name: "Renamed Ltd" });
});

test("a verified custom domain routes, and a removed one stops, on the other instance within 1 s", async () => {
  const { access } = await tokens(portA);
  const hostname = `inv-${randomBytes(3).toString("hex")}.example.test`;
  const added = await call(portA, "/api/v1/tenant/domains", { method: "POST", token: access, body: { hostname } });
  expect(added.status).toBe(201);
  const record = added.json!.verification as { name: string; value: string };
  // B has been asked for it (and remembers the miss) while it is pending.
  expect(await statusOnHost(portB, hostname, "/api/v1/tenant")).toBe(404);
  dns.txt.set(record.name, [record.value]);
  expect((await call(portA, `/api/v1/tenant/domains/${hostname}/verify`, { method: "POST", token: access })).status).toBe(200);
  const routed = await msUntil(200, () => statusOnHost(portB, hostname, "/api/v1/tenant"));
  expect(routed).toBeLessThanOrEqual(boundMs);
  expect((await call(portA, `/api/v1/tenant/domains/${hostname}`, { method: "DELETE", token: access })).status).toBe(204);
  const gone = await msUntil(404, () => statusOnHost(portB, hostname, "/api/v1/tenant"));
  expect(gone).toBeLessThanOrEqual(boundMs);
});

test("a revoked session stops working on the other instance within 1 s", async () => {
  const { access, refresh } = await tokens(portA);
  expect((await call(portB, "/api/v1/me", { token: access })).status).toBe(200); // B caches the session
  expect((await call(portA, "/api/v1/auth/revoke", { method: "POST", body: { refresh_token: refresh } })).status).toBe(200);
  const ms = await msUntil(401, async () => (await call(portB, "/api/v1/me", { token: access })).status);
  expect(ms).toBeLessThanOrEqual(boundMs);
});

test("a revoked API key stops working on the other instance within 1 s", async () => {
  const { access } = await tokens(portA);
  const created = await call(portA, "/api/v1/api-keys", { method: "POST", token: access, body: { name: "inv", scopes: ["members:read"] } });
  expect(created.status).toBe(201);
  const key = String(created.json!.key);
  expect((await call(portB, "/api/v1/users", { token: key })).status).toBe(200);
  expect((await call(portA, `/api/v1/api-keys/${String(created.json!.id)}`, { method: "DELETE", token: access })).status).toBeLessThan(300);
  const ms = await msUntil(401, async () => (await call(portB, "/api/v1/users", { token: key })).status);
  expect(ms).toBeLessThanOrEqual(boundMs);
});

test("a rotated webhook secret stops verifying on the other instance within 1 s", async () => {
  const { access } = await tokens(portA);
  const { integration, secret } = await createIntegration(slug, { name: "inv hook", kind: "webhook", scheme: "standard-webhooks" }, systemContext("e2e"));
  const deliver = async (port: number) => {
    const body = JSON.stringify({ type: "inv.test", data: { id: randomBytes(4).toString("hex") } });
    const headers = signWebhook("standard-webhooks", secret!, body, { id: `msg_${randomBytes(6).toString("hex")}` });
    return (await call(port, `/api/webhooks/${integration.id}`, { method: "POST", raw: body, headers: { ...headers, "content-type": "application/json" } }))
      .status;
  };
  expect(await deliver(portB)).toBe(202); // B caches the integration and its secret
  const rotated = await call(portA, `/api/v1/integrations/${integration.id}/rotate-secret`, { method: "POST", token: access, body: { graceSeconds: 0 } });
  expect(rotated.status).toBe(200);
  const ms = await msUntil(401, () => deliver(portB));
  expect(ms).toBeLessThanOrEqual(boundMs);
});

test("a suspended tenant is refused on every instance within 1 s", async () => {
  const { access } = await tokens(portA);
  expect((await call(portA, "/api/v1/me", { token: access })).status).toBe(200);
  expect((await call(portB, "/api/v1/me", { token: access })).status).toBe(200);
  // From outside the servers, as `npm run tenants -- suspend` does.
  await setTenantStatus(slug, "suspended");
  const [msA, msB] = await Promise.all([portA, portB].map((port) => msUntil(404, async () => (await call(port, "/api/v1/me", { token: access })).status)));
  expect(msA).toBeLessThanOrEqual(boundMs);
  expect(msB).toBeLessThanOrEqual(boundMs);
});
