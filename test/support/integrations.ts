// Helpers for the integration tests: a stand-in for the workflow engine's event intake
// (the `POST /e/<key>` contract the inngest SDK's send() speaks), pointing the Inngest
// client at it, small local HTTP APIs, and audit-log reads.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type pg from "pg";
import { resetInngestClient } from "@/inngest/client";
import { resetEnvCache } from "@/lib/env";
import { resetRedisClient } from "@/lib/redis/client";
import type { RequestMeta } from "@/lib/http/request-meta";
import { schemaNameFor } from "@/lib/tenancy/slug";

export interface EngineEvent {
  name: string;
  id?: string;
  data: Record<string, unknown>;
}

export interface FakeEngine {
  url: string;
  /** Every event the engine acknowledged, in arrival order. */
  events: EngineEvent[];
  /** Intake requests that arrived (acknowledged or not). */
  requests: number;
  /** When true the intake answers 503 (the engine is "down"). */
  down: boolean;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** The engine's event intake: `POST /e/<key>` with a JSON array of events, answered `{ ids, status: 200 }`. */
export async function startFakeEngine(): Promise<FakeEngine> {
  const engine: FakeEngine = {
    url: "",
    events: [],
    requests: 0,
    down: false,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      if (req.method !== "POST" || !/^\/e\/[^/]+$/.test(req.url ?? "")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "not found", status: 404 }));
        return;
      }
      engine.requests++;
      if (engine.down) {
        res.writeHead(503, { "content-type": "text/plain" });
        res.end("engine down");
        return;
      }
      const parsed = JSON.parse(text) as unknown;
      const events = (Array.isArray(parsed) ? parsed : [parsed]) as EngineEvent[];
      engine.events.push(...events);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ids: events.map((e, i) => e.id ?? `evt-${engine.events.length}-${i}`), status: 200 }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  engine.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return engine;
}

/**
 * Sets environment variables for the rest of a test file and drops everything built from
 * the old values (env cache, Inngest client, Redis client); the returned function puts
 * the previous values back the same way.
 */
export function patchEnv(vars: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const rebuild = () => {
    resetEnvCache();
    resetInngestClient();
    resetRedisClient();
  };
  Object.assign(process.env, vars);
  rebuild();
  return () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rebuild();
  };
}

/**
 * Allow-lists a local server's host:port for the SSRF guard (INTEGRATIONS_ALLOWED_HOSTS),
 * for the rest of the test file: the guard stays on, and only servers the test started
 * are reachable.
 */
export function allowOutbound(url: string): void {
  const { hostname, port } = new URL(url);
  const entries = (process.env.INTEGRATIONS_ALLOWED_HOSTS ?? "").split(",").filter(Boolean);
  process.env.INTEGRATIONS_ALLOWED_HOSTS = [...entries, `${hostname}:${port}`].join(",");
  resetEnvCache();
}

/** Points the Inngest client at `url`; the returned function puts the previous setting back. */
export function useEngineAt(url: string): () => void {
  return patchEnv({ INNGEST_BASE_URL: url });
}

/**
 * Redis timeouts a loaded test machine cannot trip: the rate limiter and the circuit
 * breaker fail open (and then skip Redis for seconds) when Redis is slow, which would
 * make their tests flaky rather than wrong.
 */
export const patientRedis = { RATELIMIT_TIMEOUT_MS: "5000", REDIS_TIMEOUT_MS: "5000" } as const;

// ---------------------------------------------------------------- a local API

export type ApiHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

export interface LocalApi {
  url: string;
  /** Every request that arrived: method, path + query, headers (Authorization apart) and body. */
  hits: { method: string; url: URL; authorization: string | undefined; headers: IncomingMessage["headers"]; body: string }[];
  handler: ApiHandler;
  close(): Promise<void>;
}

export async function startLocalApi(handler: ApiHandler): Promise<LocalApi> {
  const api: LocalApi = {
    url: "",
    hits: [],
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? "/", "http://local");
      api.hits.push({ method: req.method ?? "", url, authorization: req.headers.authorization, headers: req.headers, body });
      api.handler(req, res, url);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  allowOutbound(api.url);
  return api;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

// ---------------------------------------------------------------- audit and requests

export const testMeta: RequestMeta = { requestId: "req-integration-test", ip: "203.0.113.10", userAgent: "vitest-sender" };

export const adminActor = {
  actorType: "user" as const,
  actorId: "u-admin",
  actorLabel: "admin@integrations.test",
  requestId: "req-admin-1",
  ip: "203.0.113.20",
  userAgent: "vitest",
};

export interface AuditRow {
  seq: string;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  summary: string;
  changes: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
}

/** Audit rows of a tenant matching `where` (SQL over audit_log columns), oldest first. */
export async function auditRows(client: pg.ClientBase, slug: string, where = "TRUE", params: unknown[] = []): Promise<AuditRow[]> {
  const { rows } = await client.query<AuditRow>(
    `SELECT seq::text AS seq, actor_type, actor_id, actor_label, action, target_type, target_id, summary, changes, metadata
       FROM "${schemaNameFor(slug)}".audit_log WHERE ${where} ORDER BY seq`,
    params,
  );
  return rows;
}

/** The highest audit seq of a tenant (0 when empty), to read "rows since". */
export async function auditHighWater(client: pg.ClientBase, slug: string): Promise<string> {
  const { rows } = await client.query<{ m: string | null }>(`SELECT max(seq)::text AS m FROM "${schemaNameFor(slug)}".audit_log`);
  return rows[0]!.m ?? "0";
}

export async function countRows(client: pg.ClientBase, slug: string, table: string, where = "TRUE", params: unknown[] = []): Promise<number> {
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schemaNameFor(slug)}"."${table}" WHERE ${where}`, params);
  return rows[0]!.n;
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}
