// /api/inngest (app/api/inngest/route.ts) refuses every unsigned engine call, in every
// mode: the finding was a crafted `POST /api/inngest?fnId=...-sync-integration&stepId=step`
// that created a sync run in another tenant and wrote a record there. Here the same
// request, unsigned or signed with another key, gets 401 and writes nothing; only the
// same body signed with the configured key runs (which shows the test would see a write).
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET, POST, PUT } from "@/app/api/inngest/route";
import { systemContext } from "@/lib/audit/context";
import { closePool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { createIntegration } from "@/lib/integrations/integrations";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { canonicalJson, signatureHeader } from "../scripts/inngest-runner/signing";
import { sendJson, startLocalApi, type LocalApi } from "./support/integrations";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("ingr");
const ctx = systemContext("test");
const signingKey = process.env.INNGEST_SIGNING_KEY!;
const otherKey = `signkey-test-${randomBytes(32).toString("hex")}`;
let raw: pg.Client;
let api: LocalApi;
let integrationId: string;
// NODE_ENV is typed read-only; the route reads it through lib/env.ts.
const env = process.env as Record<string, string | undefined>;
const savedNodeEnv = env.NODE_ENV;

beforeAll(async () => {
  expect(signingKey, "npm test sets INNGEST_SIGNING_KEY").toMatch(/^signkey-/);
  raw = await rawClient();
  await createTenant({ slug, name: "Route Co" });
  api = await startLocalApi((_req, res) => sendJson(res, 200, { data: [{ id: "r1", name: "stolen" }], next_cursor: null }));
  ({
    integration: { id: integrationId },
  } = await createIntegration(slug, { name: "API", kind: "rest", settings: { baseUrl: api.url, sync: { path: "/records", pageSize: 10 } } }, ctx));
});

afterEach(() => {
  env.NODE_ENV = savedNodeEnv;
  resetEnvCache();
});

afterAll(async () => {
  await api?.close();
  await dropTenantsQuietly([slug]);
  await raw?.end();
  await closePool();
});

/** The crafted call of the finding: the sync function's first step for this tenant's integration. */
function craftedBody(): string {
  const event = { name: "integration/sync.requested", data: { tenant: slug, integrationId, trigger: "manual" }, id: randomUUID(), ts: Date.now() };
  return canonicalJson({
    event,
    events: [event],
    steps: {},
    ctx: { run_id: `01${randomBytes(8).toString("hex")}`, attempt: 0, disable_immediate_execution: false, use_api: false, stack: { stack: [], current: 0 } },
  });
}

function call(method: "POST" | "PUT" | "GET", body: string, signature?: string): Promise<Response> {
  const url = method === "POST" ? "http://127.0.0.1:3000/api/inngest?fnId=tenant-platform-sync-integration&stepId=step" : "http://127.0.0.1:3000/api/inngest";
  const request = new Request(url, {
    method,
    headers: { "content-type": "application/json", ...(signature ? { "x-inngest-signature": signature } : {}) },
    ...(method === "GET" ? {} : { body }),
  });
  const handler = method === "POST" ? POST : method === "PUT" ? PUT : GET;
  return handler(request, {});
}

async function writes(): Promise<{ runs: number; records: number; hits: number }> {
  const schema = schemaNameFor(slug);
  const count = async (table: string) => Number((await raw.query(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`)).rows[0].n);
  return { runs: await count("sync_runs"), records: await count("synced_records"), hits: api.hits.length };
}

describe("/api/inngest", () => {
  for (const mode of ["development", "test", "production"] as const) {
    it(`refuses unsigned and wrongly signed calls with 401 and writes nothing (NODE_ENV=${mode})`, async () => {
      env.NODE_ENV = mode;
      resetEnvCache();
      const body = craftedBody();
      const unsigned = await call("POST", body);
      expect(unsigned.status).toBe(401);
      expect((await call("POST", body, signatureHeader(body, otherKey))).status).toBe(401);
      expect((await call("POST", body, "t=1&s=00")).status).toBe(401);
      // Introspection and syncs too: nothing answers an unsigned caller.
      expect((await call("GET", "")).status).toBe(401);
      expect((await call("PUT", "")).status).toBe(401);
      expect(await writes()).toEqual({ runs: 0, records: 0, hits: 0 });
    });
  }

  it("refuses every call with 401 when no signing key is configured, in development too", async () => {
    const saved = process.env.INNGEST_SIGNING_KEY;
    env.NODE_ENV = "development";
    delete process.env.INNGEST_SIGNING_KEY;
    resetEnvCache();
    try {
      const body = craftedBody();
      const res = await call("POST", body, signatureHeader(body, otherKey));
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(((await res.json()) as { detail: string }).detail).toMatch(/INNGEST_SIGNING_KEY/);
    } finally {
      process.env.INNGEST_SIGNING_KEY = saved;
      resetEnvCache();
    }
    expect(await writes()).toEqual({ runs: 0, records: 0, hits: 0 });
  });

  it("runs the same call signed with the configured key (so the refusals above are real)", async () => {
    const body = craftedBody();
    const res = await call("POST", body, signatureHeader(body, signingKey));
    expect([200, 206]).toContain(res.status);
    expect((await writes()).runs).toBeGreaterThan(0);
  });
});
