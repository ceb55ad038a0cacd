// The outbound integration client against real local HTTP servers, real Redis (through
// the Upstash REST bridge) and real PostgreSQL: retries, Retry-After, timeouts, the
// shared circuit breaker and its notices, the per-integration rate limit, the SSRF
// guard, redirects, the body cap, audit rows and the stats read back from them.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { recordEvent } from "@/lib/audit/with-audit";
import { auditActions } from "@/lib/audit/actions";
import { closePool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { callStats } from "@/lib/integrations/outbound/call-stats";
import { callIntegration, circuitState, resetCircuit } from "@/lib/integrations/outbound/client";
import {
  CircuitOpenError,
  OutboundError,
  OutboundTimeoutError,
  RateLimitedError,
  ResponseTooLargeError,
  SsrfRefusedError,
} from "@/lib/integrations/outbound/errors";
import { pinnedRequest } from "@/lib/integrations/outbound/pinned-request";
import { backoffMs, parseRetryAfter } from "@/lib/integrations/outbound/retry-policy";
import { blockedAddressReason, resolveAllowed } from "@/lib/integrations/outbound/ssrf-guard";
import type { OutboundOptions, OutboundRequest, OutboundTarget } from "@/lib/integrations/outbound/types";
import { getRedis, resetRedisClient } from "@/lib/redis/client";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";
import { captureLogs } from "./support/logs";

const slugA = uniqueSlug("out");
const slugB = uniqueSlug("out");
const ctx = systemContext("outbound-test");
const TOKEN = "tok-very-secret-0123456789";
// The SSRF guard stays on: each local server this file starts is allow-listed by its
// own host:port (as INTEGRATIONS_ALLOWED_HOSTS would list it), and nothing else.
const allowedHosts: string[] = [];
const opts: OutboundOptions = { allowedHosts, backoffBaseMs: 10 };
let raw: pg.Client;

// ---------------------------------------------------------------- local servers

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

interface TestServer {
  url: string;
  port: number;
  /** Requests that reached the handler, with their arrival time. */
  hits: { at: number; method: string; url: string; headers: IncomingMessage["headers"] }[];
  /** TCP connections accepted (a refused call must make none). */
  connections: number;
  handler: Handler;
  close(): Promise<void>;
}

const servers: TestServer[] = [];

async function startServer(handler: Handler, host = "127.0.0.1"): Promise<TestServer> {
  const server: Server = createServer((req, res) => {
    state.hits.push({ at: performance.now(), method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    req.resume();
    state.handler(req, res, state.hits.length);
  });
  const state: TestServer = {
    url: "",
    port: 0,
    hits: [],
    connections: 0,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on("connection", () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}`;
  allowedHosts.push(`127.0.0.1:${state.port}`);
  servers.push(state);
  return state;
}

const ok: Handler = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ ok: true }));
};
const status =
  (code: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(code, headers);
    res.end();
  };

// ---------------------------------------------------------------- helpers

function target(server: { url: string }, overrides: Partial<OutboundTarget> = {}): OutboundTarget {
  return {
    tenantSlug: slugA,
    integrationId: randomUUID(),
    integrationName: "Test API",
    baseUrl: `${server.url}/v1`,
    token: TOKEN,
    timeoutMs: 5_000,
    maxAttempts: 3,
    rateLimitPerMinute: 10_000,
    failureThreshold: 5,
    openSeconds: 30,
    ...overrides,
  };
}

const get = (path = "/items"): OutboundRequest => ({ method: "GET", path });

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutboundError);
  return err as OutboundError;
}

async function auditRows(slug: string, integrationId: string, action: string) {
  const { rows } = await raw.query(
    `SELECT * FROM "${schemaNameFor(slug)}".audit_log WHERE target_type = 'integration' AND target_id = $1 AND action = $2 ORDER BY seq`,
    [integrationId, action],
  );
  return rows as { summary: string; metadata: Record<string, unknown>; actor_label: string | null }[];
}

async function notices(slug: string, integrationId: string) {
  const { rows } = await raw.query(`SELECT * FROM "${schemaNameFor(slug)}".notices WHERE integration_id = $1`, [integrationId]);
  return rows as { kind: string; title: string; body: string }[];
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens a circuit by failing `threshold` single-attempt calls. */
async function tripCircuit(t: OutboundTarget): Promise<void> {
  for (let i = 0; i < (t.failureThreshold ?? 5); i++) await failure(callIntegration({ ...t, maxAttempts: 1 }, get(), ctx, opts));
  expect((await circuitState(t.tenantSlug, t.integrationId)).state).toBe("open");
}

beforeAll(async () => {
  if (!getRedis()) throw new Error("Redis is not configured: run with `npx tsx scripts/test.ts unit outbound-client`");
  raw = await rawClient();
  await createTenant({ slug: slugA, name: "Outbound A", ownerEmail: "owner@out-a.test" });
  await createTenant({ slug: slugB, name: "Outbound B", ownerEmail: "owner@out-b.test" });
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await dropTenantsQuietly([slugA, slugB]);
  await raw?.end();
  await closePool();
});

// ---------------------------------------------------------------- calls and audit

describe("calls", () => {
  it("joins the path onto the base URL, sends the token, and audits one row without token or query", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: 7, auth: req.headers.authorization === `Bearer ${TOKEN}` }));
    });
    const t = target(server);
    const res = await callIntegration(t, { method: "GET", path: "/items", query: { api_key: "q-secret-42", page: 2 } }, ctx, opts);
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({ id: 7, auth: true });
    expect(res.attempts).toBe(1);
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);
    expect(server.hits.map((h) => h.url)).toEqual(["/v1/items?api_key=q-secret-42&page=2"]);

    const rows = await auditRows(slugA, t.integrationId, auditActions.outboundCall);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.actor_label).toBe("outbound-test");
    expect(row.summary).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${server.port}/v1/items -> 201 in \\d+ ms$`));
    expect(row.metadata).toMatchObject({
      method: "GET",
      url: `http://127.0.0.1:${server.port}/v1/items`,
      status: 201,
      ok: true,
      attempts: 1,
      circuit: "closed",
    });
    expect(typeof row.metadata.latencyMs).toBe("number");
    const text = JSON.stringify(row);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("q-secret-42");
    expect(text).not.toContain("Bearer");
  });

  it("sends JSON bodies and the idempotency key, and refuses headers the client owns", async () => {
    let received = "";
    const server = await startServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received = Buffer.concat(chunks).toString("utf8");
        ok(req, res, 0);
      });
    });
    const t = target(server);
    await callIntegration(t, { method: "POST", path: "orders", json: { qty: 3 }, idempotencyKey: "order-1" }, ctx, opts);
    expect(JSON.parse(received)).toEqual({ qty: 3 });
    expect(server.hits[0]!.headers["idempotency-key"]).toBe("order-1");
    expect(server.hits[0]!.headers["content-type"]).toBe("application/json");
    expect(server.hits[0]!.url).toBe("/v1/orders");

    const err = await failure(callIntegration(t, { method: "GET", path: "/x", headers: { Authorization: "Bearer other" } }, ctx, opts));
    expect(err.reason).toBe("invalid_request");
    expect(server.hits).toHaveLength(1);
  });

  it("times out a server that never answers, retrying an idempotent GET", async () => {
    const server = await startServer(() => undefined); // holds every request open
    const t = target(server, { timeoutMs: 300, maxAttempts: 2 });
    const started = performance.now();
    const err = await failure(callIntegration(t, get(), ctx, opts));
    expect(err).toBeInstanceOf(OutboundTimeoutError);
    expect(err.retriable).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 300 - 20);
    expect(server.hits).toHaveLength(2);
    const [row] = await auditRows(slugA, t.integrationId, auditActions.outboundCall);
    expect(row!.metadata).toMatchObject({ ok: false, status: null, reason: "timeout", attempts: 2 });
  });
});

// ---------------------------------------------------------------- retries

describe("retries", () => {
  it("retries a GET after 503 and succeeds, with one audit row for the logical call", async () => {
    const server = await startServer((req, res, hit) => (hit === 1 ? status(503)(req, res, hit) : ok(req, res, hit)));
    const t = target(server);
    const res = await callIntegration(t, get(), ctx, opts);
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(2);
    expect(server.hits).toHaveLength(2);
    const rows = await auditRows(slugA, t.integrationId, auditActions.outboundCall);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.metadata).toMatchObject({ ok: true, status: 200, attempts: 2 });
  });

  it("does not retry a POST without an idempotency key, and does with one", async () => {
    const failing = await startServer(status(503));
    const err = await failure(callIntegration(target(failing), { method: "POST", path: "/orders", json: {} }, ctx, opts));
    expect(err.status).toBe(503);
    expect(err.retriable).toBe(false);
    expect(failing.hits).toHaveLength(1);

    const flaky = await startServer((req, res, hit) => (hit === 1 ? status(503)(req, res, hit) : ok(req, res, hit)));
    const res = await callIntegration(target(flaky), { method: "POST", path: "/orders", json: {}, idempotencyKey: "k-1" }, ctx, opts);
    expect(res.attempts).toBe(2);
    expect(flaky.hits.map((h) => h.headers["idempotency-key"])).toEqual(["k-1", "k-1"]);
  });

  it("retries 500 only for idempotent methods, and never other 4xx", async () => {
    const server = await startServer(status(500));
    await failure(callIntegration(target(server, { maxAttempts: 3 }), get(), ctx, opts));
    expect(server.hits).toHaveLength(3);
    await failure(callIntegration(target(server), { method: "POST", path: "/x", idempotencyKey: "k-2" }, ctx, opts));
    expect(server.hits).toHaveLength(4);

    const notFound = await startServer(status(404));
    const err = await failure(callIntegration(target(notFound), get(), ctx, opts));
    expect(err).toMatchObject({ status: 404, retriable: false, reason: "http_status" });
    expect(notFound.hits).toHaveLength(1);
  });

  it("waits out a Retry-After of 1 s before the next attempt", async () => {
    const server = await startServer((req, res, hit) => (hit === 1 ? status(429, { "retry-after": "1" })(req, res, hit) : ok(req, res, hit)));
    const res = await callIntegration(target(server), get(), ctx, opts); // backoff alone would be ~10 ms
    expect(res.attempts).toBe(2);
    const gap = server.hits[1]!.at - server.hits[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(990);
  });

  it("gives up on a Retry-After beyond the cap and hands it to the caller", async () => {
    const server = await startServer(status(503, { "retry-after": "120" }));
    const err = await failure(callIntegration(target(server), get(), ctx, opts));
    expect(err).toMatchObject({ status: 503, retriable: true, retryAfterSeconds: 120, attempts: 1 });
    expect(server.hits).toHaveLength(1);
  });

  it("parses Retry-After as delta seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("5", now)).toBe(5);
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", new Date(now))).toBe(10);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    for (const bad of [undefined, null, "", "  ", "-1", "1.5", "soon", "12abc"]) expect(parseRetryAfter(bad, now)).toBeUndefined();
  });

  it("backs off exponentially with jitter", () => {
    expect(backoffMs(1, 200, () => 0)).toBe(100);
    expect(backoffMs(1, 200, () => 1)).toBe(200);
    expect(backoffMs(3, 200, () => 0)).toBe(400);
    expect(backoffMs(3, 200, () => 1)).toBe(800);
    expect(backoffMs(30, 200, () => 1)).toBe(10_000);
  });
});

// ---------------------------------------------------------------- circuit breaker

describe("circuit breaker", () => {
  it("opens after N consecutive failures, then fails fast without touching the server", async () => {
    const server = await startServer(status(502));
    const t = target(server, { failureThreshold: 3, maxAttempts: 1 });
    await tripCircuit(t);
    expect(server.hits).toHaveLength(3);
    const snapshot = await circuitState(slugA, t.integrationId);
    expect(snapshot).toMatchObject({ state: "open", failures: 3 });
    expect(snapshot.retryAt!.getTime() - snapshot.openedAt!.getTime()).toBe(30_000);

    const err = await failure(callIntegration(t, get(), ctx, opts));
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err.retryAfterSeconds).toBeGreaterThan(0);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(30);
    expect(server.hits).toHaveLength(3);
    expect(server.connections).toBe(3);

    const rows = await auditRows(slugA, t.integrationId, auditActions.outboundCall);
    expect(rows.at(-1)!.metadata).toMatchObject({ ok: false, reason: "circuit_open", attempts: 0, circuit: "open" });
    const notes = await notices(slugA, t.integrationId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ kind: "circuit_open" });
    expect(notes[0]!.title).toContain("Test API");
    expect(await auditRows(slugA, t.integrationId, auditActions.circuitOpened)).toHaveLength(1);
  });

  it("a success resets the count of consecutive failures", async () => {
    let fail = true;
    const server = await startServer((req, res, hit) => (fail ? status(503) : ok)(req, res, hit));
    const t = target(server, { failureThreshold: 3, maxAttempts: 1 });
    for (let i = 0; i < 2; i++) await failure(callIntegration(t, get(), ctx, opts));
    expect(await circuitState(slugA, t.integrationId)).toMatchObject({ state: "closed", failures: 2 });
    fail = false;
    await callIntegration(t, get(), ctx, opts);
    expect(await circuitState(slugA, t.integrationId)).toMatchObject({ state: "closed", failures: 0 });
  });

  it("notifies exactly once when concurrent failures open it", async () => {
    const server = await startServer((_req, res) => setTimeout(() => status(500)(_req, res, 0), 20));
    const t = target(server, { failureThreshold: 3, maxAttempts: 1 });
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => callIntegration(t, get(), ctx, opts)));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect((await circuitState(slugA, t.integrationId)).state).toBe("open");
    expect(await notices(slugA, t.integrationId)).toHaveLength(1);
    expect(await auditRows(slugA, t.integrationId, auditActions.circuitOpened)).toHaveLength(1);
    expect(await auditRows(slugA, t.integrationId, auditActions.outboundCall)).toHaveLength(12);
  });

  it("after openSeconds lets exactly one trial through, and closes when it succeeds", async () => {
    let healthy = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Once healthy, the server holds its answer until the test releases it: the trial
    // stays in flight however slowly the other calls get scheduled.
    const server = await startServer((req, res, hit) => (healthy ? void gate.then(() => ok(req, res, hit)) : status(503)(req, res, hit)));
    const t = target(server, { failureThreshold: 2, openSeconds: 1, maxAttempts: 1 });
    await tripCircuit(t);
    await until(async () => (await circuitState(slugA, t.integrationId)).state === "half-open");
    healthy = true;
    const before = server.hits.length;

    let settled = 0;
    // Settled promises from the start (allSettled is only awaited after the release).
    const calls = Array.from({ length: 6 }, () =>
      Promise.allSettled([callIntegration({ ...t, maxAttempts: 3 }, get(), ctx, opts)]).then(([r]) => {
        settled++;
        return r!;
      }),
    );
    await until(async () => settled === 5);
    expect(server.hits.length - before).toBe(1);
    release();
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(CircuitOpenError);
    expect(server.hits.length - before).toBe(1);

    expect(await circuitState(slugA, t.integrationId)).toMatchObject({ state: "closed", failures: 0 });
    expect(await auditRows(slugA, t.integrationId, auditActions.circuitClosed)).toHaveLength(1);
    await callIntegration(t, get(), ctx, opts);
    expect(server.hits.length - before).toBe(2);
  });

  it("re-opens when the trial fails, with one attempt and no second notice", async () => {
    const server = await startServer(status(503));
    const t = target(server, { failureThreshold: 2, openSeconds: 1, maxAttempts: 3 });
    await tripCircuit(t);
    const first = await circuitState(slugA, t.integrationId);
    await until(async () => (await circuitState(slugA, t.integrationId)).state === "half-open");
    const before = server.hits.length;

    const err = await failure(callIntegration(t, get(), ctx, opts));
    expect(err.status).toBe(503);
    expect(server.hits.length - before).toBe(1); // the trial is not retried
    const after = await circuitState(slugA, t.integrationId);
    expect(after.state).toBe("open");
    expect(after.retryAt!.getTime()).toBeGreaterThan(first.retryAt!.getTime());
    expect(await failure(callIntegration(t, get(), ctx, opts))).toBeInstanceOf(CircuitOpenError);
    expect(server.hits.length - before).toBe(1);
    expect(await notices(slugA, t.integrationId)).toHaveLength(1);
    expect(await auditRows(slugA, t.integrationId, auditActions.circuitOpened)).toHaveLength(1);
    expect(await auditRows(slugA, t.integrationId, auditActions.circuitClosed)).toHaveLength(0);
  });

  it("keeps its state only in Redis: a fresh instance counts on and sees it open", async () => {
    const server = await startServer(status(503));
    const t = target(server, { failureThreshold: 2, maxAttempts: 1 });
    await failure(callIntegration(t, get(), ctx, opts)); // instance 1: one failure

    vi.resetModules(); // instance 2: every module (client, breaker, Redis client) loaded afresh
    const other = await import("@/lib/integrations/outbound/client");
    const otherErrors = await import("@/lib/integrations/outbound/errors");
    expect(other.callIntegration).not.toBe(callIntegration);
    expect(await other.circuitState(slugA, t.integrationId)).toMatchObject({ state: "closed", failures: 1 });
    await other.callIntegration(t, get(), ctx, opts).catch(() => undefined); // second failure opens it
    expect(server.hits).toHaveLength(2);

    expect((await circuitState(slugA, t.integrationId)).state).toBe("open"); // instance 1 sees it
    expect(await failure(callIntegration(t, get(), ctx, opts))).toBeInstanceOf(CircuitOpenError);
    const err = await other.callIntegration(t, get(), ctx, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(otherErrors.CircuitOpenError);
    expect(server.hits).toHaveLength(2);

    await resetCircuit(slugA, t.integrationId);
    expect(await other.circuitState(slugA, t.integrationId)).toMatchObject({ state: "closed", failures: 0 });
  });

  it("steps aside when Redis is unreachable: calls go through, state unknown, one warning", async () => {
    const server = await startServer(ok);
    const t = target(server);
    const logs = captureLogs();
    onTestFinished(logs.restore);
    const saved = process.env.UPSTASH_REDIS_REST_URL;
    process.env.UPSTASH_REDIS_REST_URL = "http://127.0.0.1:9/"; // discard port: refused
    resetEnvCache();
    resetRedisClient();
    try {
      for (let i = 0; i < 3; i++) expect((await callIntegration(t, get(), ctx, opts)).status).toBe(200);
      expect(await circuitState(slugA, t.integrationId)).toEqual({ state: "unknown", failures: 0 });
    } finally {
      process.env.UPSTASH_REDIS_REST_URL = saved;
      resetEnvCache();
      resetRedisClient();
    }
    expect(server.hits).toHaveLength(3);
    expect(logs.lines().filter((l) => l.component === "circuit" && l.msg.startsWith("[circuit]"))).toHaveLength(1);
    const rows = await auditRows(slugA, t.integrationId, auditActions.outboundCall);
    expect(rows.map((r) => r.metadata.circuit)).toEqual(["unknown", "unknown", "unknown"]);
    expect((await circuitState(slugA, t.integrationId)).state).toBe("closed"); // Redis back
  });
});

// ---------------------------------------------------------------- rate limit

describe("rate limit", () => {
  it("limits each integration separately and refuses without a request", async () => {
    // A sliding window near its edge would make the client wait a second or two; stay clear.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 4_000) await new Promise((r) => setTimeout(r, left + 50));
    const server = await startServer(ok);
    const t = target(server, { rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) await callIntegration(t, get(), ctx, opts);
    const err = await failure(callIntegration(t, get(), ctx, opts));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.retriable).toBe(true);
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(server.hits).toHaveLength(3);
    const rows = await auditRows(slugA, t.integrationId, auditActions.outboundCall);
    expect(rows.at(-1)!.metadata).toMatchObject({ ok: false, reason: "rate_limited", attempts: 0 });

    await callIntegration(target(server, { rateLimitPerMinute: 3 }), get(), ctx, opts); // another integration
    await callIntegration({ ...t, tenantSlug: slugB }, get(), ctx, opts); // same id, other tenant
    expect(server.hits).toHaveLength(5);
  });
});

// ---------------------------------------------------------------- SSRF guard

describe("SSRF guard", () => {
  // Loopback, unspecified and link-local in every spelling the finding listed, plus private ranges.
  const disguised = (port: number) => [
    `http://127.0.0.1:${port}`,
    `http://localhost:${port}`,
    `http://[::1]:${port}`,
    `http://0x7f000001:${port}`,
    `http://2130706433:${port}`,
    `http://0177.0.0.1:${port}`,
    `http://127.1:${port}`,
    `http://0x7f.1:${port}`,
    `http://017700000001:${port}`,
    `http://[::ffff:127.0.0.1]:${port}`,
    `http://0.0.0.0:${port}`,
    `http://169.254.169.254`,
    `http://10.0.0.1:${port}`,
    `http://[fd00::1]:${port}`,
    `http://100.64.0.1`,
  ];

  it("refuses private, loopback, link-local and disguised addresses without connecting, with nothing allow-listed", async () => {
    const server = await startServer(ok, "::"); // dual stack: 127.0.0.1 and ::1 both reach it
    for (const baseUrl of disguised(server.port)) {
      const t = target({ url: baseUrl }, { maxAttempts: 1 });
      const err = await failure(callIntegration(t, get(), ctx, { ...opts, allowedHosts: [] }));
      expect(err, baseUrl).toBeInstanceOf(SsrfRefusedError);
      expect(err.retriable).toBe(false);
      const [row] = await auditRows(slugA, t.integrationId, auditActions.outboundCall);
      expect(row!.metadata, baseUrl).toMatchObject({ ok: false, reason: "ssrf", attempts: 0 });
    }
    expect(server.connections).toBe(0);
    expect(server.hits).toHaveLength(0);
  });

  it("is on by default: INTEGRATIONS_ALLOWED_HOSTS empty refuses the loopback server the other tests use", async () => {
    const server = await startServer(ok);
    const saved = process.env.INTEGRATIONS_ALLOWED_HOSTS;
    delete process.env.INTEGRATIONS_ALLOWED_HOSTS;
    resetEnvCache();
    try {
      const err = await failure(callIntegration(target(server, { maxAttempts: 1 }), get(), ctx, { backoffBaseMs: 10 }));
      expect(err).toBeInstanceOf(SsrfRefusedError);
      expect(err.message).toContain(`127.0.0.1:${server.port} is listed in INTEGRATIONS_ALLOWED_HOSTS`);
      // Listed through the environment, the same call goes through.
      process.env.INTEGRATIONS_ALLOWED_HOSTS = `example.test:8080, 127.0.0.1:${server.port}`;
      resetEnvCache();
      expect((await callIntegration(target(server), get(), ctx, { backoffBaseMs: 10 })).status).toBe(200);
    } finally {
      if (saved === undefined) delete process.env.INTEGRATIONS_ALLOWED_HOSTS;
      else process.env.INTEGRATIONS_ALLOWED_HOSTS = saved;
      resetEnvCache();
    }
    expect(server.hits).toHaveLength(1);
  });

  it("lets an allow-listed host:port through, and only that host on that port", async () => {
    const server = await startServer(ok, "::");
    const other = await startServer(ok, "::");
    const only = { ...opts, allowedHosts: [`127.0.0.1:${server.port}`] };
    // The listed pair, also when spelled another way the URL parser turns into it.
    for (const host of ["127.0.0.1", "2130706433", "0x7f000001", "127.1"]) {
      const res = await callIntegration(target({ url: `http://${host}:${server.port}` }), get(), ctx, only);
      expect(res.status, host).toBe(200);
    }
    expect(server.hits).toHaveLength(4);
    // The same host on another port, and other names for the same address, are not listed.
    for (const baseUrl of [
      `http://127.0.0.1:${other.port}`,
      `http://localhost:${server.port}`,
      `http://[::1]:${server.port}`,
      `http://[::ffff:127.0.0.1]:${server.port}`,
    ]) {
      const err = await failure(callIntegration(target({ url: baseUrl }, { maxAttempts: 1 }), get(), ctx, only));
      expect(err, baseUrl).toBeInstanceOf(SsrfRefusedError);
    }
    expect(other.connections).toBe(0);
    expect(server.hits).toHaveLength(4);
    // A name on the list is matched by name (it still resolves, to loopback here).
    const res = await callIntegration(target({ url: `http://localhost:${server.port}` }), get(), ctx, { ...opts, allowedHosts: [`localhost:${server.port}`] });
    expect(res.status).toBe(200);
  });

  it("refuses other schemes, credentials in the URL, and paths that leave the base URL", async () => {
    const server = await startServer(ok);
    const bases = ["ftp://127.0.0.1/", "file:///etc/passwd", `http://user:pw@127.0.0.1:${server.port}/`, `http://:pw@127.0.0.1:${server.port}/`];
    for (const baseUrl of bases) {
      const t = target({ url: baseUrl });
      t.baseUrl = baseUrl;
      const err = await failure(callIntegration(t, get(), ctx, opts));
      expect(err, baseUrl).toBeInstanceOf(SsrfRefusedError);
      const [row] = await auditRows(slugA, t.integrationId, auditActions.outboundCall);
      expect(JSON.stringify(row), baseUrl).not.toContain("pw@");
    }
    for (const path of ["http://169.254.169.254/latest", "//evil.example/x", "/\\evil.example/x", "/../../admin", "/%2e%2e/admin", "javascript:alert(1)"]) {
      const err = await failure(callIntegration(target(server), get(path), ctx, opts));
      expect(err, path).toBeInstanceOf(SsrfRefusedError);
    }
    expect(server.connections).toBe(0);
    // Going deeper is fine, and a '?' in the path stays part of the path.
    await callIntegration(target(server), get("/a/../b/c?x=1"), ctx, opts);
    expect(server.hits.map((h) => h.url)).toEqual(["/v1/b/c%3Fx=1"]);
  });

  it("checks every resolved address, so a name that also resolves to loopback is refused", async () => {
    const url = new URL("https://api.example.test/v1");
    const none = new Set<string>();
    const resolveAll = async () => [
      { address: "93.184.216.34", family: 4 as const },
      { address: "127.0.0.1", family: 4 as const },
    ];
    await expect(resolveAllowed(url, { allowedHosts: none, timeoutMs: 1000, resolveAll })).rejects.toThrow(/loopback address \(127\.0\.0\.1\)/);
    const publicOnly = async () => [{ address: "93.184.216.34", family: 4 as const }];
    expect(await resolveAllowed(url, { allowedHosts: none, timeoutMs: 1000, resolveAll: publicOnly })).toEqual([{ address: "93.184.216.34", family: 4 }]);
  });

  it("refuses a name whose DNS answer is any of the disguised internal addresses", async () => {
    const url = new URL("https://rebind.example.test/v1");
    const answers: [string, 4 | 6][] = [
      ["127.0.0.1", 4],
      ["::1", 6],
      ["0x7f000001", 4],
      ["2130706433", 4],
      ["0177.0.0.1", 4],
      ["127.1", 4],
      ["::ffff:127.0.0.1", 6],
      ["0.0.0.0", 4],
      ["169.254.169.254", 4],
      ["::ffff:a9fe:a9fe", 6],
    ];
    for (const [address, family] of answers) {
      const resolveAll = async () => [{ address, family }];
      await expect(resolveAllowed(url, { allowedHosts: new Set(), timeoutMs: 1000, resolveAll }), address).rejects.toBeInstanceOf(SsrfRefusedError);
    }
    // Listed, the name passes, and the client connects to the canonical address only.
    const listed = new Set(["rebind.example.test:443"]);
    expect(await resolveAllowed(url, { allowedHosts: listed, timeoutMs: 1000, resolveAll: async () => [{ address: "::ffff:127.0.0.1", family: 6 }] })).toEqual([
      { address: "127.0.0.1", family: 4 },
    ]);
    // Another port of the listed name is another key.
    await expect(
      resolveAllowed(new URL("https://rebind.example.test:8443/"), {
        allowedHosts: listed,
        timeoutMs: 1000,
        resolveAll: async () => [{ address: "127.0.0.1", family: 4 }],
      }),
    ).rejects.toBeInstanceOf(SsrfRefusedError);
  });

  it("connects only to the checked addresses, never asking DNS again (no rebinding)", async () => {
    const server = await startServer(ok);
    // .invalid never resolves: the request can only succeed through the pinned address.
    const url = new URL(`http://pinned.invalid:${server.port}/v1/x`);
    const res = await pinnedRequest({ url, method: "GET", headers: {}, addresses: [{ address: "127.0.0.1", family: 4 }], timeoutMs: 2_000 });
    expect(res.status).toBe(200);
    expect(server.hits[0]!.headers.host).toBe(`pinned.invalid:${server.port}`);
  });

  it("classifies addresses, including IPv4 inside IPv6", () => {
    const blocked: Record<string, string> = {
      "127.0.0.1": "loopback",
      "127.255.0.9": "loopback",
      "::1": "loopback",
      "10.1.2.3": "private",
      "172.31.255.1": "private",
      "192.168.0.1": "private",
      "100.64.0.1": "shared (CGNAT)",
      "169.254.169.254": "link-local",
      "fe80::1": "link-local",
      "fe80::1%eth0": "link-local",
      "fd12:3456::1": "private",
      "0.0.0.0": "unspecified",
      "::": "unspecified",
      "224.0.0.1": "multicast",
      "ff02::1": "multicast",
      "255.255.255.255": "broadcast",
      "::ffff:127.0.0.1": "loopback (embedded in IPv6)",
      "::ffff:a9fe:a9fe": "link-local (embedded in IPv6)",
      "64:ff9b::10.0.0.1": "private (embedded in IPv6)",
      "2002:7f00:1::": "loopback (embedded in IPv6)",
      // Other spellings of an IPv4 address (a resolver could hand them back) are what they encode.
      "0x7f000001": "loopback",
      "2130706433": "loopback",
      "0177.0.0.1": "loopback",
      "127.1": "loopback",
      "::7f00:1": "reserved",
      "not-an-ip": "not an IP address",
    };
    for (const [address, reason] of Object.entries(blocked)) expect(blockedAddressReason(address), address).toBe(reason);
    for (const address of ["8.8.8.8", "93.184.216.34", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8"])
      expect(blockedAddressReason(address), address).toBeNull();
  });
});

// ---------------------------------------------------------------- responses

describe("responses", () => {
  it("does not follow redirects", async () => {
    const elsewhere = await startServer(ok);
    const server = await startServer(status(302, { location: `${elsewhere.url}/steal` }));
    const err = await failure(callIntegration(target(server), get(), ctx, opts));
    expect(err).toMatchObject({ reason: "redirect", status: 302, retriable: false });
    expect(err.message).toContain("not followed");
    expect(server.hits).toHaveLength(1);
    expect(elsewhere.connections).toBe(0);
  });

  it("caps the response body, streamed or declared", async () => {
    const chunk = Buffer.alloc(64 * 1024, 120);
    const streamed = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      let sent = 0;
      const pump = () => {
        while (sent < 6 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    const err = await failure(callIntegration(target(streamed, { maxAttempts: 1 }), get(), ctx, opts));
    expect(err).toBeInstanceOf(ResponseTooLargeError);

    const declared = await startServer((_req, res) => {
      res.writeHead(200, { "content-length": String(6 * 1024 * 1024) });
      res.write(chunk); // then stalls: the client must not wait for the rest
    });
    const started = performance.now();
    expect(await failure(callIntegration(target(declared, { timeoutMs: 10_000 }), get(), ctx, opts))).toBeInstanceOf(ResponseTooLargeError);
    expect(performance.now() - started).toBeLessThan(9_000);
    expect(declared.hits).toHaveLength(1);

    const small = await startServer((_req, res) => res.end(Buffer.alloc(4 * 1024 * 1024)));
    expect((await callIntegration(target(small), get(), ctx, opts)).body.length).toBe(4 * 1024 * 1024);
  });

  it("validates the target at the boundary", async () => {
    const server = await startServer(ok);
    for (const bad of [{ timeoutMs: 60_000 }, { integrationId: "not-a-uuid" }, { tenantSlug: "Bad Slug" }, { token: "has space" }]) {
      await expect(callIntegration(target(server, bad), get(), ctx, opts)).rejects.toThrow(/Invalid outbound target/);
    }
    expect(server.connections).toBe(0);
  });
});

// ---------------------------------------------------------------- isolation and stats

describe("tenants and stats", () => {
  it("keeps circuit state and call stats per tenant", async () => {
    const server = await startServer(status(503));
    const t = target(server, { failureThreshold: 2, maxAttempts: 1 });
    await tripCircuit(t);
    const since = new Date(Date.now() - 60_000);
    expect((await circuitState(slugB, t.integrationId)).state).toBe("closed");
    expect((await callStats(slugB, t.integrationId, since)).calls).toBe(0);
    expect((await callStats(slugA, t.integrationId, since)).calls).toBe(2);

    const err = await failure(callIntegration({ ...t, tenantSlug: slugB }, get(), ctx, opts));
    expect(err.status).toBe(503); // reached the server: B's circuit is its own
    expect(server.hits).toHaveLength(3);
    expect(await auditRows(slugB, t.integrationId, auditActions.outboundCall)).toHaveLength(1);
    expect(await notices(slugB, t.integrationId)).toHaveLength(0);
  });

  it("computes success rate, p95 latency and the last error from the audit rows", async () => {
    const id = randomUUID();
    const event = (metadata: Record<string, unknown>) =>
      recordEvent(slugA, ctx, { action: auditActions.outboundCall, targetType: "integration", targetId: id, summary: "synthetic", metadata });
    const since = new Date(Date.now() - 1_000);
    expect(await callStats(slugA, id, since)).toEqual({
      calls: 0,
      successes: 0,
      successRate: null,
      p95LatencyMs: null,
      lastSuccessAt: null,
      lastErrorAt: null,
      lastError: null,
    });
    // 100 calls that reached the server, latencies 1..100 ms, the last 20 failed.
    for (let i = 1; i <= 100; i++)
      await event({ method: "GET", ok: i <= 80, status: i <= 80 ? 200 : 503, latencyMs: i, attempts: 1, ...(i <= 80 ? {} : { error: `HTTP 503 #${i}` }) });
    // 10 refusals: no attempt, so their latency does not count towards p95.
    for (let i = 0; i < 10; i++) await event({ method: "GET", ok: false, status: null, latencyMs: 5_000, attempts: 0, error: "circuit open" });
    await event({ method: "GET", ok: false, status: 500, latencyMs: 50, attempts: 1, error: "HTTP 500 last" });
    // Another action and another integration stay out.
    await recordEvent(slugA, ctx, { action: auditActions.circuitOpened, targetType: "integration", targetId: id, summary: "x", metadata: { ok: true } });

    const stats = await callStats(slugA, id, since);
    expect(stats.calls).toBe(111);
    expect(stats.successes).toBe(80);
    expect(stats.successRate).toBeCloseTo(80 / 111, 10);
    expect(stats.p95LatencyMs).toBe(95);
    expect(stats.lastError).toBe("HTTP 500 last");
    expect(stats.lastSuccessAt).toBeInstanceOf(Date);
    expect(stats.lastErrorAt!.getTime()).toBeGreaterThanOrEqual(stats.lastSuccessAt!.getTime());
    expect((await callStats(slugA, id, new Date(Date.now() + 60_000))).calls).toBe(0);
  });

  it("counts real calls through the client", async () => {
    const server = await startServer((req, res, hit) => (hit % 2 === 0 ? status(404) : ok)(req, res, hit));
    const t = target(server);
    const since = new Date(Date.now() - 1_000);
    for (let i = 0; i < 4; i++) await callIntegration(t, get(), ctx, opts).catch(() => undefined);
    const stats = await callStats(slugA, t.integrationId, since);
    expect(stats).toMatchObject({ calls: 4, successes: 2, successRate: 0.5, lastError: "HTTP 404" });
    expect(stats.p95LatencyMs).toBeGreaterThanOrEqual(0);
    expect(stats.lastSuccessAt).toBeInstanceOf(Date);
  });
});
