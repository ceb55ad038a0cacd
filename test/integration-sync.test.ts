// Data sync of a rest integration without the workflow engine: the steps the sync
// function runs (start a run, fetch and upsert pages, finish), against a real local
// paginated API, real PostgreSQL and the Redis-backed circuit breaker.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { closePool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import { integrationHealth } from "@/lib/integrations/health";
import { createIntegration, updateIntegration } from "@/lib/integrations/integrations";
import { dismissNotice, listNotices } from "@/lib/integrations/notices";
import { resetCircuit } from "@/lib/integrations/outbound/circuit-breaker";
import { OutboundError } from "@/lib/integrations/outbound/errors";
import { listSyncedRecords } from "@/lib/integrations/records/list-records";
import { BadSyncResponseError, syncPage, type PageResult } from "@/lib/integrations/sync/sync-page";
import { finishSyncRun, listSyncRuns, startSyncRun } from "@/lib/integrations/sync/sync-runs";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import {
  adminActor,
  auditHighWater,
  auditRows,
  countRows,
  patchEnv,
  patientRedis,
  rejectionOf,
  sendJson,
  startLocalApi,
  type LocalApi,
} from "./support/integrations";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("sync");
const otherSlug = uniqueSlug("sync");
const ctx = systemContext("test");
const TOKEN = `sync-token-${randomUUID()}`;
let raw: pg.Client;
const apis: LocalApi[] = [];
const circuits: string[] = [];
let restoreEnv: () => void;

beforeAll(async () => {
  restoreEnv = patchEnv(patientRedis);
  raw = await rawClient();
  await Promise.all([createTenant({ slug, name: "Sync Co" }), createTenant({ slug: otherSlug, name: "Other Sync Co" })]);
});

afterAll(async () => {
  await Promise.all(circuits.map((id) => resetCircuit(slug, id).catch(() => undefined)));
  await Promise.all(apis.map((a) => a.close()));
  await dropTenantsQuietly([slug, otherSlug]);
  await raw.end();
  await closePool();
  restoreEnv();
});

// ---------------------------------------------------------------- a paginated API

interface Item {
  id: string;
  name: string;
  n: number;
}

interface PagedApi extends LocalApi {
  items: Item[];
  /** Requests with this cursor answer 500 (null: none do). */
  failCursor: string | null;
  /** Every request answers 500. */
  down: boolean;
}

/** `GET /records?limit=&cursor=` -> `{ data, next_cursor }`, cursors `c-<offset>`, behind a bearer token. */
async function pagedApi(items: Item[]): Promise<PagedApi> {
  let paged: PagedApi | undefined;
  const api = await startLocalApi((req, res, url) => {
    const state = paged!;
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return sendJson(res, 401, { error: "bad token" });
    if (req.method !== "GET" || url.pathname !== "/records") return sendJson(res, 404, { error: "no such path" });
    const cursor = url.searchParams.get("cursor");
    if (state.down || (state.failCursor !== null && cursor === state.failCursor)) return sendJson(res, 500, { error: "boom" });
    const limit = Number(url.searchParams.get("limit"));
    const start = cursor ? Number(cursor.slice(2)) : 0;
    const page = state.items.slice(start, start + limit);
    sendJson(res, 200, { data: page, next_cursor: start + limit < state.items.length ? `c-${start + limit}` : null });
  });
  paged = Object.assign(api, { items, failCursor: null as string | null, down: false });
  apis.push(paged);
  return paged;
}

const itemsOf = (n: number): Item[] => Array.from({ length: n }, (_, i) => ({ id: `rec-${i}`, name: `Record ${i}`, n: i }));

async function restIntegration(
  api: { url: string },
  settings: Record<string, unknown> = {},
  token: string | undefined = TOKEN,
  tenant = slug,
): Promise<string> {
  const { integration } = await createIntegration(
    tenant,
    {
      name: `API ${randomUUID().slice(0, 8)}`,
      kind: "rest",
      settings: { baseUrl: api.url, rateLimitPerMinute: 10_000, sync: { path: "/records", pageSize: 2 }, ...settings },
      ...(token ? { token } : {}),
    },
    ctx,
  );
  circuits.push(integration.id);
  return integration.id;
}

interface RunResult {
  runId: string;
  startCursor: string | null;
  pages: PageResult[];
}

/** What the sync workflow does, step by step: start, pages until the last one (or a stop), finish. */
async function runSync(integrationId: string, opts: { finish?: boolean } = {}): Promise<RunResult> {
  const { runId, cursor: startCursor } = await startSyncRun(slug, integrationId, "manual");
  const pages: PageResult[] = [];
  let cursor = startCursor;
  for (let i = 0; i < 50; i++) {
    const page = await syncPage(slug, integrationId, runId, cursor);
    pages.push(page);
    if (page.stopped || page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  if (opts.finish !== false) await finishSyncRun(slug, runId, pages.at(-1)?.stopped ? "stopped" : "succeeded");
  return { runId, startCursor, pages };
}

const total = (pages: PageResult[], key: "created" | "updated" | "unchanged" | "fetched") => pages.reduce((s, p) => s + p[key], 0);

async function runRow(runId: string) {
  const { rows } = await raw.query(`SELECT * FROM "${schemaNameFor(slug)}".sync_runs WHERE id = $1`, [runId]);
  return rows[0] as Record<string, unknown>;
}

const recordAudits = (since: string) => auditRows(raw, slug, "action LIKE 'synced_record.%' AND seq > $1", [since]);

// ---------------------------------------------------------------- tests

describe("a full sync", () => {
  it("creates every record, then a rerun finds them unchanged, then one change is one update", async () => {
    const api = await pagedApi(itemsOf(5));
    const id = await restIntegration(api);

    const mark = await auditHighWater(raw, slug);
    const first = await runSync(id);
    expect(first.startCursor).toBeNull();
    expect(first.pages.map((p) => p.nextCursor)).toEqual(["c-2", "c-4", null]);
    expect(total(first.pages, "created")).toBe(5);
    expect(total(first.pages, "fetched")).toBe(5);
    // Every request carried the token and the page size; the first one no cursor.
    expect(api.hits.map((h) => h.authorization)).toEqual(Array(3).fill(`Bearer ${TOKEN}`));
    expect(api.hits.map((h) => h.url.searchParams.get("cursor"))).toEqual([null, "c-2", "c-4"]);
    expect(api.hits.every((h) => h.url.searchParams.get("limit") === "2")).toBe(true);

    const { rows } = await raw.query(
      `SELECT external_id, source, data FROM "${schemaNameFor(slug)}".synced_records WHERE integration_id = $1 ORDER BY external_id`,
      [id],
    );
    expect(rows).toEqual(itemsOf(5).map((item) => ({ external_id: item.id, source: "sync", data: item })));
    expect((await listSyncedRecords(slug, id)).map((r) => r.externalId).sort()).toEqual(itemsOf(5).map((i) => i.id));
    expect((await recordAudits(mark)).map((r) => r.action)).toEqual(Array(5).fill("synced_record.created"));

    const [run] = await listSyncRuns(slug, id);
    expect(run).toMatchObject({
      id: first.runId,
      trigger: "manual",
      status: "succeeded",
      cursor: null,
      pages: 3,
      fetched: 5,
      created: 5,
      updated: 0,
      unchanged: 0,
      error: null,
    });
    expect(run!.finishedAt).not.toBeNull();
    const [finished] = await auditRows(raw, slug, "action = 'integration.sync_finished' AND target_id = $1", [id]);
    expect(finished!.metadata).toMatchObject({ runId: first.runId, status: "succeeded", pages: 3, created: 5, updated: 0, unchanged: 0 });
    // One outbound-call audit row per page, never the token.
    expect(await countRows(raw, slug, "audit_log", "action = 'integration.outbound_call' AND target_id = $1", [id])).toBe(3);
    expect(JSON.stringify(await auditRows(raw, slug))).not.toContain(TOKEN);

    // A rerun: nothing changed upstream, nothing written (or audited) here.
    const beforeRerun = await auditHighWater(raw, slug);
    const second = await runSync(id);
    expect(second.startCursor).toBeNull();
    expect(total(second.pages, "unchanged")).toBe(5);
    expect(total(second.pages, "created") + total(second.pages, "updated")).toBe(0);
    expect(await recordAudits(beforeRerun)).toEqual([]);

    // One item changes upstream: one update, audited with before and after.
    api.items = api.items.map((item) => (item.id === "rec-3" ? { ...item, name: "Renamed" } : item));
    const beforeChange = await auditHighWater(raw, slug);
    const third = await runSync(id);
    expect([total(third.pages, "created"), total(third.pages, "updated"), total(third.pages, "unchanged")]).toEqual([0, 1, 4]);
    const changes = await recordAudits(beforeChange);
    expect(changes.map((r) => r.action)).toEqual(["synced_record.updated"]);
    expect(changes[0]!.changes).toMatchObject({ data: { before: { name: "Record 3" }, after: { name: "Renamed" } } });
    expect((await listSyncRuns(slug, id)).map((r) => [r.status, r.created, r.updated, r.unchanged])).toEqual([
      ["succeeded", 0, 1, 4],
      ["succeeded", 0, 0, 5],
      ["succeeded", 5, 0, 0],
    ]);
  });

  it("a page repeated after its commit does not count twice", async () => {
    const api = await pagedApi(itemsOf(3));
    const id = await restIntegration(api);
    const { runId } = await startSyncRun(slug, id, "schedule");
    const page = await syncPage(slug, id, runId, null);
    const again = await syncPage(slug, id, runId, null);
    expect(page).toMatchObject({ nextCursor: "c-2", created: 2 });
    expect(again).toMatchObject({ nextCursor: "c-2", created: 0, unchanged: 2 });
    expect(await runRow(runId)).toMatchObject({ pages: 1, fetched: 2, created: 2, unchanged: 0, cursor: "c-2", status: "running", trigger: "schedule" });
  });
});

describe("a sync that fails part-way", () => {
  it("keeps the failed run's cursor, and the next run resumes from it", async () => {
    const api = await pagedApi(itemsOf(5));
    const id = await restIntegration(api);
    api.failCursor = "c-2";

    const { runId, cursor } = await startSyncRun(slug, id, "manual");
    expect(cursor).toBeNull();
    const page1 = await syncPage(slug, id, runId, null);
    expect(page1).toMatchObject({ nextCursor: "c-2", created: 2 });
    const err = await rejectionOf(syncPage(slug, id, runId, page1.nextCursor));
    expect(err).toBeInstanceOf(OutboundError);
    expect((err as OutboundError).status).toBe(500);
    // GET is idempotent: the client tried its three attempts.
    expect(api.hits.filter((h) => h.url.searchParams.get("cursor") === "c-2")).toHaveLength(3);
    await finishSyncRun(slug, runId, "failed", (err as Error).message);
    expect(await runRow(runId)).toMatchObject({ status: "failed", cursor: "c-2", pages: 1, created: 2, error: "HTTP 500" });
    const [finished] = await auditRows(raw, slug, "action = 'integration.sync_finished' AND target_id = $1", [id]);
    expect(finished!.metadata).toMatchObject({ status: "failed", error: "HTTP 500" });

    // The API recovers; the next run starts where the failed one stopped.
    api.failCursor = null;
    const hitsBefore = api.hits.length;
    const resumed = await runSync(id);
    expect(resumed.startCursor).toBe("c-2");
    expect(api.hits[hitsBefore]!.url.searchParams.get("cursor")).toBe("c-2");
    expect(total(resumed.pages, "created")).toBe(3);
    expect(await countRows(raw, slug, "synced_records", "integration_id = $1", [id])).toBe(5);

    // After a success the next run starts from the beginning again.
    const fresh = await runSync(id);
    expect(fresh.startCursor).toBeNull();
    expect(total(fresh.pages, "unchanged")).toBe(5);
  });

  it("a refused token fails at once, without retries", async () => {
    const api = await pagedApi(itemsOf(2));
    const id = await restIntegration(api, {}, "wrong-token");
    const { runId } = await startSyncRun(slug, id, "manual");
    const err = await rejectionOf(syncPage(slug, id, runId, null));
    expect(err).toBeInstanceOf(OutboundError);
    expect((err as OutboundError).status).toBe(401);
    expect(api.hits).toHaveLength(1);
    expect(api.hits[0]!.authorization).toBe("Bearer wrong-token");
    expect(await runRow(runId)).toMatchObject({ pages: 0, cursor: null });
  });

  it("refuses responses it cannot page through, writing nothing", async () => {
    const cases: [string, (res: Parameters<typeof sendJson>[0], url: URL) => void, RegExp][] = [
      ["no items array", (res) => sendJson(res, 200, { items: [] }), /no array at "data"/],
      ["item without an id", (res) => sendJson(res, 200, { data: [{ id: "ok-1" }, { name: "anonymous" }], next_cursor: null }), /no usable "id"/],
      [
        "the same cursor again",
        (res, url) => sendJson(res, 200, { data: [{ id: "loop" }], next_cursor: url.searchParams.get("cursor") ?? "c-0" }),
        /same cursor/,
      ],
      [
        "not JSON",
        (res) => {
          res.writeHead(200, { "content-type": "text/html" });
          res.end("<html>");
        },
        /did not answer JSON/,
      ],
    ];
    for (const [what, respond, message] of cases) {
      const api = await startLocalApi((_req, res, url) => respond(res, url));
      apis.push(api);
      const id = await restIntegration(api);
      const { runId } = await startSyncRun(slug, id, "manual");
      const cursor = what === "the same cursor again" ? "c-0" : null;
      const err = await rejectionOf(syncPage(slug, id, runId, cursor));
      expect(err, what).toBeInstanceOf(BadSyncResponseError);
      expect((err as Error).message, what).toMatch(message);
      expect(await countRows(raw, slug, "synced_records", "integration_id = $1", [id]), what).toBe(0);
      expect(await runRow(runId), what).toMatchObject({ pages: 0, fetched: 0 });
    }
  });
});

describe("a sync that stops", () => {
  it("stops when the circuit is open, without calling the API, and resumes from the same cursor", async () => {
    const api = await pagedApi(itemsOf(6));
    const id = await restIntegration(api, { failureThreshold: 2, maxAttempts: 1, openSeconds: 600 });
    const { runId } = await startSyncRun(slug, id, "manual");
    const page1 = await syncPage(slug, id, runId, null);
    api.down = true;

    for (let i = 0; i < 2; i++) {
      const err = await rejectionOf(syncPage(slug, id, runId, page1.nextCursor));
      expect(err).toBeInstanceOf(OutboundError);
      expect((err as OutboundError).status).toBe(500);
    }
    const hits = api.hits.length;
    expect(hits).toBe(3);
    const stopped = await syncPage(slug, id, runId, page1.nextCursor);
    expect(stopped).toEqual({ nextCursor: "c-2", fetched: 0, created: 0, updated: 0, unchanged: 0, stopped: "the circuit is open" });
    expect(api.hits).toHaveLength(hits);
    await finishSyncRun(slug, runId, "stopped");
    expect(await runRow(runId)).toMatchObject({ status: "stopped", cursor: "c-2", pages: 1 });

    // Admins hear of it; health shows it.
    const notices = (await listNotices(slug)).filter((n) => n.integrationId === id);
    expect(notices).toEqual([expect.objectContaining({ kind: "circuit_open", readAt: null })]);
    expect(notices[0]!.body).not.toContain(TOKEN);
    // Dismissed once (audited); not by another tenant, not twice.
    for (const [tenant, noticeId] of [
      [otherSlug, notices[0]!.id],
      [slug, "not-a-uuid"],
      [slug, randomUUID()],
    ] as const) {
      expect(((await rejectionOf(dismissNotice(tenant, noticeId, adminActor))) as AppError).code).toBe("not_found");
    }
    await dismissNotice(slug, notices[0]!.id, adminActor);
    expect(((await rejectionOf(dismissNotice(slug, notices[0]!.id, adminActor))) as AppError).code).toBe("not_found");
    expect((await listNotices(slug, { unreadOnly: true })).map((n) => n.id)).not.toContain(notices[0]!.id);
    expect((await listNotices(slug)).find((n) => n.id === notices[0]!.id)!.readAt).not.toBeNull();
    const [dismissed] = await auditRows(raw, slug, "action = 'notice.updated' AND target_id = $1", [notices[0]!.id]);
    expect(dismissed).toMatchObject({ actor_id: adminActor.actorId });
    const health = await integrationHealth(slug, id);
    expect(health.circuit).toMatchObject({ state: "open", failures: 2 });
    // Four calls: one good, two failed, one refused by the open circuit.
    expect(health).toMatchObject({ total: 4, successes: 1, lastError: expect.stringMatching(/circuit open/) });

    // Closed by hand and the API back: the next run continues at c-2.
    await resetCircuit(slug, id);
    api.down = false;
    const resumed = await runSync(id);
    expect(resumed.startCursor).toBe("c-2");
    expect(total(resumed.pages, "created")).toBe(4);
    expect(await countRows(raw, slug, "synced_records", "integration_id = $1", [id])).toBe(6);
  });

  it("stops when the integration is paused", async () => {
    const api = await pagedApi(itemsOf(2));
    const id = await restIntegration(api);
    const { runId } = await startSyncRun(slug, id, "manual");
    await updateIntegration(slug, id, { status: "paused" }, ctx);
    expect(await syncPage(slug, id, runId, null)).toMatchObject({ fetched: 0, stopped: "the integration is paused" });
    expect(api.hits).toHaveLength(0);
  });

  it("refuses integrations without a sync", async () => {
    const api = await pagedApi([]);
    const noSync = await createIntegration(slug, { name: "No sync", kind: "rest", settings: { baseUrl: api.url } }, ctx);
    const hook = await createIntegration(slug, { name: "Hook", kind: "webhook", scheme: "github" }, ctx);
    for (const integrationId of [noSync.integration.id, hook.integration.id]) {
      const err = await rejectionOf(startSyncRun(slug, integrationId, "manual"));
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("bad_request");
    }
    expect(await countRows(raw, slug, "sync_runs", "integration_id = ANY($1::uuid[])", [[noSync.integration.id, hook.integration.id]])).toBe(0);
  });
});

describe("tenant isolation of syncs", () => {
  it("another tenant's integration ids are not_found", async () => {
    const api = await pagedApi(itemsOf(2));
    const id = await restIntegration(api);
    const { runId } = await runSync(id);
    for (const op of [
      () => listSyncRuns(otherSlug, id),
      () => listSyncedRecords(otherSlug, id),
      () => startSyncRun(otherSlug, id, "manual"),
      () => syncPage(otherSlug, id, runId, null),
      () => integrationHealth(otherSlug, id),
    ]) {
      const err = await rejectionOf(op());
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("not_found");
    }
    // Another tenant's integration cannot write to this tenant's run either.
    const theirs = await restIntegration(api, {}, TOKEN, otherSlug);
    const hits = api.hits.length;
    await syncPage(otherSlug, theirs, runId, null);
    expect(api.hits.length).toBe(hits + 1);
    expect(await runRow(runId)).toMatchObject({ status: "succeeded", pages: 1, created: 2 });
    expect(await countRows(raw, otherSlug, "sync_runs")).toBe(0);
    expect((await listSyncRuns(slug, id)).map((r) => r.id)).toEqual([runId]);
  });
});
