// GET /api/metrics over HTTP against the production build: who may read it (token,
// 401 problem+json, 404 without a token configured or on a tenant's host), counters
// that move after real requests and webhooks, route templates instead of raw paths,
// the cluster's sum under `npm start` with two workers, and the access log lines.
import { spawn, type ChildProcess } from "node:child_process";
import { expect, test } from "@playwright/test";
import { closePool } from "@/lib/db/pool";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { freePort } from "../scripts/lib/free-port";
import { expectProblem, freshTenant, onPort, tenantApi } from "./support";

const token = process.env.METRICS_TOKEN ?? "";
const server = onPort(3100);

test.afterAll(async () => {
  await closePool();
});

/** The value of the sample `name{labels}` (labels: a subset to match), summed over matching lines; 0 if none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[3]);
  }
  return total;
}

async function scrape(base: string, bearer = token): Promise<string> {
  const res = await fetch(`${base}/api/metrics`, { headers: { authorization: `Bearer ${bearer}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

test("the token is required, compared exactly, and the endpoint is not served on a tenant's host", async ({ request }) => {
  expect(token.length, "the test stack generates METRICS_TOKEN").toBeGreaterThanOrEqual(32);
  const url = server.url("127.0.0.1", "/api/metrics");

  const none = await request.get(url);
  await expectProblem(none, 401);
  expect(none.headers()["www-authenticate"]).toMatch(/^Bearer/);
  await expectProblem(await request.get(url, { headers: { authorization: `Bearer ${token.slice(0, -1)}x` } }), 401);
  await expectProblem(await request.get(url, { headers: { authorization: `Bearer ${token}${token}` } }), 401);
  await expectProblem(await request.get(url, { headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString("base64")}` } }), 401);

  const ok = await request.get(url, { headers: { authorization: `Bearer ${token}` } });
  expect(ok.status()).toBe(200);
  const text = await ok.text();
  expect(text).toContain("# TYPE platform_http_requests_total counter");
  expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  expect(text).toMatch(/^platform_db_pool_connections\{cluster="default",state="max"\} \d+/m);

  // A tenant's host, with the right token: there is no such endpoint there.
  const slug = await freshTenant("metrics-host");
  const onTenant = await request.get(url, { headers: { host: `${slug}.localhost:3100`, authorization: `Bearer ${token}` } });
  const body = await expectProblem(onTenant, 404);
  expect(JSON.stringify(body)).not.toContain("platform_");
  // Naming a tenant by header on the root host does not make it a tenant endpoint either: still the platform's.
  expect((await request.get(url, { headers: { "x-tenant-id": slug, authorization: `Bearer ${token}` } })).status()).toBe(200);
  // A custom domain (anything not the root) is a tenant's host too.
  await expectProblem(await request.get(url, { headers: { host: "shop.example.test:3100", authorization: `Bearer ${token}` } }), 404);

  // The server without METRICS_TOKEN (3101): the endpoint does not exist.
  await expectProblem(await request.get(onPort(3101).url("127.0.0.1", "/api/metrics"), { headers: { authorization: `Bearer ${token}` } }), 404);
});

test("counters move after real API requests and webhooks, labelled by route template", async ({ request }) => {
  const slug = await freshTenant("metrics-count");
  const t = tenantApi(request, slug);
  const owner = (await t.token()).access_token;
  const before = await scrape(server.server);

  for (let i = 0; i < 5; i++) expect((await t.get("/api/v1/tenant")).status()).toBe(200);
  const missingUser = crypto.randomUUID();
  await expectProblem(await t.get(`/api/v1/users/${missingUser}`, owner), 404);
  await expectProblem(await t.get("/api/v1/users"), 401);
  await expectProblem(await t.post("/api/v1/auth/token", { email: `owner@${slug}.test`, password: "not-the-password" }), 401);

  const created = await t.post("/api/v1/integrations", { name: "metrics hook", kind: "webhook", scheme: "stripe" }, owner);
  expect(created.status()).toBe(201);
  const { id, secret } = (await created.json()) as { id: string; secret: string };
  const body = JSON.stringify({ id: `evt_${crypto.randomUUID()}`, type: "customer.updated", data: { object: { id: "cus_1" } } });
  const signed = signWebhook("stripe", secret, body);
  const post = (b: string, headers: Record<string, string>) => t.post(`/api/webhooks/${id}`, b, undefined, { "content-type": "application/json", ...headers });
  expect((await post(body, signed)).status()).toBe(202);
  expect((await post(body, signed)).status()).toBe(200); // a redelivery
  await expectProblem(await post(body.replace("cus_1", "cus_2"), signed), 401); // tampered

  // The processing lag is observed once the engine has processed the event.
  const processedBefore = sample(before, "platform_webhook_processing_lag_seconds_count");
  await expect
    .poll(async () => sample(await scrape(server.server), "platform_webhook_processing_lag_seconds_count"), { timeout: 30_000 })
    .toBeGreaterThan(processedBefore);

  const after = await scrape(server.server);
  const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
  // Other specs run in parallel and make requests of their own: at least ours.
  expect(delta("platform_http_requests_total", { method: "GET", route: "/api/v1/tenant", status_class: "2xx" })).toBeGreaterThanOrEqual(5);
  expect(delta("platform_http_request_duration_seconds_count", { method: "GET", route: "/api/v1/tenant", status_class: "2xx" })).toBeGreaterThanOrEqual(5);
  expect(delta("platform_http_requests_total", { method: "GET", route: "/api/v1/users/[id]", status_class: "4xx" })).toBeGreaterThanOrEqual(1);
  expect(delta("platform_http_requests_total", { method: "GET", route: "/api/v1/users", status_class: "4xx" })).toBeGreaterThanOrEqual(1);
  expect(delta("platform_http_requests_total", { method: "POST", route: "/api/webhooks/[integrationId]", status_class: "2xx" })).toBeGreaterThanOrEqual(2);
  expect(delta("platform_webhook_deliveries_total", { outcome: "accepted" })).toBeGreaterThanOrEqual(1);
  expect(delta("platform_webhook_deliveries_total", { outcome: "duplicate" })).toBeGreaterThanOrEqual(1);
  expect(delta("platform_webhook_deliveries_total", { outcome: "refused", reason: "bad_signature" })).toBeGreaterThanOrEqual(1);
  expect(delta("platform_signin_failures_total", { reason: "invalid_credentials" })).toBeGreaterThanOrEqual(1);
  // Raw paths, ids and tenants never become label values of the HTTP series.
  expect(after).not.toContain(missingUser);
  expect(after).not.toContain(id);
  for (const line of after.split("\n").filter((l) => l.startsWith("platform_http_"))) expect(line).not.toContain(slug);
});

test.describe("npm start with two workers", () => {
  let app: ChildProcess | undefined;
  let port = 0;
  let output = "";

  test.beforeAll(async () => {
    test.setTimeout(150_000);
    port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, WEB_CONCURRENCY: "2", TRUSTED_PROXY_HOPS: "1", INNGEST_BASE_URL: "http://127.0.0.1:9", LOG_LEVEL: "info" };
    app = spawn(process.execPath, ["scripts/start.mjs", "-p", String(port), "-H", "127.0.0.1"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    app.stdout!.setEncoding("utf8").on("data", (d: string) => (output += d));
    app.stderr!.setEncoding("utf8").on("data", (d: string) => (output += d));
    // Both workers up: each answers, and each has said it is ready for the metrics round.
    await expect
      .poll(
        () =>
          fetch(`http://127.0.0.1:${port}/api/health`).then(
            (r) => r.status,
            () => 0,
          ),
        { timeout: 120_000 },
      )
      .toBe(200);
    // Until both workers answer (a new connection each time goes to the next worker).
    const healthPids = () => new Set([...output.matchAll(/\{[^\n]*"pid":(\d+)[^\n]*"route":"\/api\/health"[^\n]*\}/g)].map((m) => m[1])).size;
    await expect
      .poll(
        async () => {
          await fetch(`http://127.0.0.1:${port}/api/health`, { headers: { connection: "close" } }).catch(() => undefined);
          return healthPids();
        },
        { timeout: 60_000 },
      )
      .toBe(2);
  });

  test.afterAll(() => {
    if (app?.pid) {
      try {
        process.kill(-app.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  });

  test("each scrape shows the sum of both workers, and every request leaves one JSON access line", async () => {
    test.setTimeout(120_000);
    const base = `http://127.0.0.1:${port}`;
    const health = (text: string) => sample(text, "platform_http_requests_total", { route: "/api/health", status_class: "2xx" });
    const start = health(await scrape(base));
    const requestIds: string[] = [];
    for (let i = 0; i < 40; i++) {
      const id = `metrics-e2e-${i}-${crypto.randomUUID().slice(0, 8)}`;
      requestIds.push(id);
      // A new connection each time: node:cluster hands connections round-robin to the workers.
      expect(
        (await fetch(`${base}/api/health`, { headers: { "x-request-id": id, connection: "close", authorization: "Bearer not-to-be-logged" } })).status,
      ).toBe(200);
    }
    // Scraped several times (each scrape lands on either worker): always all 40 (plus the
    // health polls of start-up, counted in `start`), never one worker's share.
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${base}/api/metrics`, { headers: { authorization: `Bearer ${token}`, connection: "close" } });
      expect(res.status).toBe(200);
      expect(health(await res.text()) - start).toBeGreaterThanOrEqual(40);
    }

    // Two workers answered: their pids in the access lines.
    await expect.poll(() => requestIds.filter((id) => output.includes(`"request_id":"${id}"`)).length, { timeout: 10_000 }).toBe(40);
    const lines = output
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ours = lines.filter((l) => requestIds.includes(String(l.request_id)));
    expect(ours).toHaveLength(40); // one line per request
    expect(new Set(ours.map((l) => l.pid)).size).toBe(2);
    for (const l of ours) {
      expect(l).toMatchObject({ level: "info", msg: "request", method: "GET", route: "/api/health", status: 200 });
      expect(typeof l.duration_ms).toBe("number");
      expect(typeof l.time).toBe("string");
    }
    expect(output).not.toContain("not-to-be-logged");
    expect(output).not.toContain(token);
  });
});
