// The webhook and sync workflows end to end, without Next: signed deliveries through
// receiveWebhook, the platform's Inngest functions served over HTTP, the local runner
// driving them (signed), real PostgreSQL and Redis, and real HTTP servers standing in
// for external APIs.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { tenantDb } from "@/lib/db/tenant-client";
import { resetEnvCache } from "@/lib/env";
import { receiveWebhook } from "@/lib/integrations/inbox/receive-webhook";
import { reconcileInbox } from "@/lib/integrations/inbox/reconcile";
import { setInboxRecovery } from "@/lib/integrations/inbox/recovery";
import { replayEvents } from "@/lib/integrations/inbox/replay";
import { createIntegration } from "@/lib/integrations/integrations";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { requestSync } from "@/lib/integrations/sync/request-sync";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { eventually, startTestEngine, type TestEngine } from "./support/engine";
import { dropTenantsQuietly, uniqueSlug, withRawClient } from "./support/tenants";
import { allowOutbound } from "./support/integrations";

const ctx = systemContext("workflows test");
const meta = { requestId: "req-workflows" };
const slug = uniqueSlug("wf");
let engine: TestEngine;

/** An external API: answers each request with the next scripted status (then the last one), records what it got. */
function scriptedServer() {
  const state = { statuses: [200], hits: [] as { method: string; url: string; body: string; headers: Record<string, unknown> }[] };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => (body += d));
    req.on("end", () => {
      state.hits.push({ method: req.method ?? "", url: req.url ?? "", body, headers: req.headers });
      const status = state.statuses.length > 1 ? state.statuses.shift()! : state.statuses[0]!;
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ ok: status < 300 }));
    });
  });
  return {
    state,
    url: () => `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    listen: () =>
      new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r())).then(() =>
        allowOutbound(`http://127.0.0.1:${(server.address() as { port: number }).port}`),
      ),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function webhookIntegration(settings: Record<string, unknown> = {}) {
  const { integration, secret } = await createIntegration(
    slug,
    { name: `hooks ${Math.random()}`, kind: "webhook", scheme: "standard-webhooks", settings },
    ctx,
  );
  return { id: integration.id, secret: secret! };
}

let n = 0;
async function deliver(
  hook: { id: string; secret: string },
  body: string | Buffer = JSON.stringify({ type: "thing.updated", data: { id: `thing-${++n}`, n } }),
) {
  const headers = new Headers(signWebhook("standard-webhooks", hook.secret, body, { id: `msg_${Date.now()}_${++n}` }));
  return receiveWebhook({ slug, integrationId: hook.id, headers, body: Buffer.from(body), meta });
}

const row = (id: string) => tenantDb(slug).webhookEvent.findUniqueOrThrow({ where: { id } });
const statusIs = (id: string, status: string) => async () => {
  const r = await row(id);
  return r.status === status ? r : undefined;
};

beforeAll(async () => {
  await createTenant({ slug, name: "Workflows" });
  engine = await startTestEngine();
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await dropTenantsQuietly([slug]);
});

describe("process-webhook", () => {
  it("a signed delivery is stored, dispatched and processed into the tenant's records", async () => {
    const hook = await webhookIntegration();
    const body = JSON.stringify({ type: "customer.updated", data: { id: "cus_42", name: "Ada" } });
    const received = await deliver(hook, body);
    expect(received).toMatchObject({ duplicate: false, dispatched: true });
    const done = await eventually(statusIs(received.id, "processed"), "the event to be processed");
    expect(done.attempts).toBe(1);
    expect(done.processedAt).not.toBeNull();
    const record = await tenantDb(slug).syncedRecord.findUniqueOrThrow({
      where: { integrationId_externalId: { integrationId: hook.id, externalId: "cus_42" } },
    });
    expect(record).toMatchObject({ source: "webhook", data: { id: "cus_42", name: "Ada" } });
  });

  it("retries a failing forward with backoff, then succeeds; the row shows the attempts", async () => {
    const api = scriptedServer();
    await api.listen();
    try {
      api.state.statuses = [503, 503, 200];
      const { integration: rest } = await createIntegration(
        slug,
        { name: `api ${Math.random()}`, kind: "rest", settings: { baseUrl: api.url(), maxAttempts: 1, failureThreshold: 50 } },
        ctx,
      );
      const hook = await webhookIntegration({ forwardTo: { integrationId: rest.id, path: "/events" } });
      const received = await deliver(hook);
      const done = await eventually(statusIs(received.id, "processed"), "the event to be processed after retries");
      expect(done.attempts).toBe(3);
      expect(done.lastError).toBeNull();
      expect(api.state.hits).toHaveLength(3);
      // The same idempotency key on every attempt: the receiver can drop repeats.
      expect(new Set(api.state.hits.map((h) => h.headers["idempotency-key"]))).toEqual(new Set([received.id]));
      expect(JSON.parse(api.state.hits[2]!.body)).toMatchObject({ id: received.id, type: "thing.updated" });
    } finally {
      await api.close();
    }
  });

  it("dead-letters a payload that is not JSON at once, and exhausted retries; admins replay them", async () => {
    const hook = await webhookIntegration();
    const bad = await deliver(hook, Buffer.from("not json at all"));
    const dead = await eventually(statusIs(bad.id, "dead"), "the bad payload to be dead-lettered");
    expect(dead.lastError).toMatch(/not JSON/);
    expect(dead.attempts).toBe(1);
    // JSON that parses but that jsonb cannot store: dead at once too, not retried.
    const nul = await deliver(hook, JSON.stringify({ type: "thing.updated", data: { id: `nul-${++n}`, v: "\u0000" } }));
    const nulDead = await eventually(statusIs(nul.id, "dead"), "the \\u0000 payload to be dead-lettered");
    expect(nulDead.lastError).toMatch(/cannot store/);
    expect(nulDead.attempts).toBe(1);
    const deep = await deliver(hook, Buffer.from(`{"data":${"[".repeat(3000)}${"]".repeat(3000)}}`));
    const deepDead = await eventually(statusIs(deep.id, "dead"), "the too-deep payload to be dead-lettered");
    expect(deepDead.lastError).toMatch(/deeper than 64 levels/);
    expect(deepDead.attempts).toBe(1);

    const api = scriptedServer();
    await api.listen();
    try {
      api.state.statuses = [500];
      const { integration: rest } = await createIntegration(
        slug,
        { name: `down ${Math.random()}`, kind: "rest", settings: { baseUrl: api.url(), maxAttempts: 1, failureThreshold: 50 } },
        ctx,
      );
      const forwarding = await webhookIntegration({ forwardTo: { integrationId: rest.id, path: "/events" } });
      const received = await deliver(forwarding);
      const exhausted = await eventually(statusIs(received.id, "dead"), "retries to run out", 60_000);
      // 1 attempt + 4 retries, each written on the row before the engine retried.
      expect(exhausted.attempts).toBe(5);
      expect(exhausted.lastError).toMatch(/500/);

      api.state.statuses = [200];
      const replay = await replayEvents(slug, forwarding.id, { ids: [received.id] }, ctx);
      expect(replay).toMatchObject({ replayed: 1, dispatched: 1 });
      const processed = await eventually(statusIs(received.id, "processed"), "the replayed event to be processed");
      expect(processed.attempts).toBe(6);
    } finally {
      await api.close();
    }
  }, 90_000);

  it("engine down: the delivery is accepted and kept; the reconciler dispatches it once the engine is back", async () => {
    // The reconciler's own numbers are asserted: the in-process recovery loop stays out of it.
    setInboxRecovery(false);
    onTestFinished(() => setInboxRecovery(true));
    const hook = await webhookIntegration();
    await engine.stopRunner();
    try {
      const received = await deliver(hook);
      expect(received.dispatched).toBe(false);
      const stored = await row(received.id);
      expect(stored).toMatchObject({ status: "received", dispatchedAt: null });
      await engine.startRunner();
      const result = await reconcileInbox({ minAgeMs: 0, slugs: [slug] });
      expect(result.dispatched).toBeGreaterThanOrEqual(1);
      await eventually(statusIs(received.id, "processed"), "the reconciled event to be processed");
    } finally {
      await engine.startRunner();
    }
  }, 60_000);

  it("engine down: concurrent sends fail together and stay undispatched; the reconciler hands them over, processed in batches", async () => {
    // The reconciler's own numbers are asserted: the in-process recovery loop stays out of it.
    setInboxRecovery(false);
    onTestFinished(() => setInboxRecovery(true));
    const hook = await webhookIntegration();
    await engine.stopRunner();
    const ids: string[] = [];
    try {
      const sends: (() => Promise<unknown>)[] = [];
      for (let i = 0; i < 8; i++) {
        const body = JSON.stringify({ type: "thing.updated", data: { id: `down-${i}-${++n}` } });
        const headers = new Headers(signWebhook("standard-webhooks", hook.secret, body, { id: `msg_down_${Date.now()}_${++n}` }));
        const received = await receiveWebhook({ slug, integrationId: hook.id, headers, body: Buffer.from(body), meta, defer: (task) => sends.push(task) });
        ids.push(received.id);
      }
      // One coalesced send for all of them, refused as a whole: nothing acknowledged, nothing marked.
      expect(await Promise.all(sends.map((send) => send()))).toEqual(Array(8).fill(0));
      for (const id of ids) expect(await row(id)).toMatchObject({ status: "received", dispatchedAt: null });
      await engine.startRunner();
      const result = await reconcileInbox({ minAgeMs: 0, slugs: [slug] });
      expect(result.dispatched).toBeGreaterThanOrEqual(8);
      for (const id of ids) await eventually(statusIs(id, "processed"), `event ${id} to be processed`);
      for (const id of ids) expect((await row(id)).attempts).toBe(1);
      // The reconciler sent them in one request, so the engine batched them: fewer runs than events.
      const batchRuns = engine
        .runner!.runs()
        .filter((r) => r.functionId.endsWith("process-webhook-batch") && r.eventIds.some((e) => ids.some((id) => e.includes(id))));
      expect(batchRuns.length).toBeLessThan(ids.length);
    } finally {
      await engine.startRunner();
    }
  }, 60_000);

  it("a poison event in a batch is retried and dead-lettered alone; its neighbours are processed once", async () => {
    const hook = await webhookIntegration();
    // A row PostgreSQL refuses whatever the payload says (a trigger this test adds), so its
    // batch statement and then its own apply fail on every attempt.
    const schema = `"${schemaNameFor(slug)}"`;
    await withRawClient((c) =>
      c.query(`CREATE FUNCTION ${schema}.test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'poison row'; END $$;
        CREATE TRIGGER test_refuse_poison BEFORE INSERT ON ${schema}.synced_records FOR EACH ROW WHEN (NEW.external_id LIKE 'poison-%') EXECUTE FUNCTION ${schema}.test_refuse_poison()`),
    );
    onTestFinished(() =>
      withRawClient((c) => c.query(`DROP TRIGGER test_refuse_poison ON ${schema}.synced_records; DROP FUNCTION ${schema}.test_refuse_poison()`)).then(
        () => undefined,
      ),
    );
    const good = [];
    for (let i = 0; i < 3; i++) good.push(await deliver(hook));
    const poison = await deliver(hook, JSON.stringify({ type: "thing.updated", data: { id: `poison-${++n}`, v: 1 } }));
    for (const r of good) expect((await eventually(statusIs(r.id, "processed"), "a good neighbour to be processed")).attempts).toBe(1);
    const dead = await eventually(statusIs(poison.id, "dead"), "the poison event to be dead-lettered", 60_000);
    // Every attempt counted on its row, the batch's included, and no more than the workflow allows.
    expect(dead.attempts).toBe(5);
    expect(dead.lastError).toMatch(/poison row/);
  }, 90_000);

  it("app killed after the 202: the engine retries until the app is back, then the event is processed", async () => {
    const hook = await webhookIntegration();
    await engine.stopApp();
    try {
      const received = await deliver(hook);
      expect(received.dispatched).toBe(true); // the engine has it; the app that would run it is down
      await new Promise((r) => setTimeout(r, 500));
      expect((await row(received.id)).status).toBe("received");
    } finally {
      await engine.startApp();
    }
    const last = await tenantDb(slug).webhookEvent.findFirstOrThrow({ where: { integrationId: hook.id } });
    await eventually(statusIs(last.id, "processed"), "the event to be processed after the restart");
  }, 60_000);
});

describe("a 2xx webhook is never stuck", () => {
  /** Sets variables for one test (env cache rebuilt), put back when it finishes. */
  function envForTest(vars: Record<string, string>) {
    const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    resetEnvCache();
    onTestFinished(() => {
      for (const [k, v] of Object.entries(previous)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      resetEnvCache();
    });
  }

  /** `count` concurrent signed deliveries, each about its own object; returns their inbox ids and object ids. */
  async function wave(hook: { id: string; secret: string }, label: string, count: number) {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const objectId = `${label}-${i}-${++n}`;
        const body = JSON.stringify({ type: "thing.updated", data: { id: objectId } });
        const headers = new Headers(signWebhook("standard-webhooks", hook.secret, body, { id: `msg_${label}_${Date.now()}_${++n}` }));
        const received = await receiveWebhook({ slug, integrationId: hook.id, headers, body: Buffer.from(body), meta });
        expect(received.duplicate).toBe(false);
        return { id: received.id, objectId, dispatched: received.dispatched };
      }),
    );
  }

  /** Every row processed, each exactly once (one attempt), and one synced record per object. */
  async function expectAllProcessedOnce(hook: { id: string }, sent: { id: string; objectId: string }[], timeoutMs: number) {
    await eventually(
      async () => {
        const done = await tenantDb(slug).webhookEvent.count({ where: { id: { in: sent.map((s) => s.id) }, status: "processed" } });
        return done === sent.length ? done : undefined;
      },
      `all ${sent.length} accepted events to be processed`,
      timeoutMs,
    );
    const rows = await tenantDb(slug).webhookEvent.findMany({ where: { integrationId: hook.id }, select: { attempts: true, status: true } });
    expect(rows).toHaveLength(sent.length);
    expect(rows.filter((r) => r.attempts !== 1)).toEqual([]);
    const records = await tenantDb(slug).syncedRecord.findMany({ where: { integrationId: hook.id }, select: { externalId: true } });
    expect(records.map((r) => r.externalId).sort()).toEqual(sent.map((s) => s.objectId).sort());
  }

  it("runner stopped mid-load and restarted: events it acknowledged and lost are sent again, every accepted event is processed once", async () => {
    envForTest({ INBOX_REDISPATCH_AFTER_SECONDS: "2" });
    const hook = await webhookIntegration();
    try {
      // Acknowledged by the engine, which batches for up to 1 s: stopped now, it loses them.
      const before = await wave(hook, "before", 20);
      expect(before.every((r) => r.dispatched)).toBe(true);
      await engine.stopRunner();
      const lost = await tenantDb(slug).webhookEvent.count({ where: { id: { in: before.map((r) => r.id) }, status: "received", dispatchedAt: { not: null } } });
      expect(lost).toBeGreaterThan(0);
      // While it is down: accepted, refused by the engine, kept undispatched.
      const during = await wave(hook, "during", 20);
      expect(during.some((r) => r.dispatched)).toBe(false);
      await engine.startRunner();
      const after = await wave(hook, "after", 20);
      // No reconciler call here: this process recovers by itself (the cron is the safety net).
      await expectAllProcessedOnce(hook, [...before, ...during, ...after], 45_000);
    } finally {
      await engine.startRunner();
    }
  }, 90_000);

  it("recovery takes seconds once the engine is back, not the reconciler's minute", async () => {
    const hook = await webhookIntegration();
    await engine.stopRunner();
    let sent: Awaited<ReturnType<typeof wave>> = [];
    try {
      sent = await wave(hook, "outage", 10);
      expect(sent.some((r) => r.dispatched)).toBe(false);
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await engine.startRunner();
    }
    const back = Date.now();
    await expectAllProcessedOnce(hook, sent, 60_000);
    // Before: up to ~90 s (a cron once a minute, rows older than 30 s). The bound is
    // generous for a busy machine: rows wait 4 s to be out of their own request's send,
    // then the loop ticks every 2 s at most.
    expect(Date.now() - back).toBeLessThan(20_000);
  }, 90_000);
});

describe("sync-integration", () => {
  it("pulls every page, a rerun changes nothing, and an open circuit stops a run that later resumes", async () => {
    let failing = false;
    let pages = 0;
    const items = Array.from({ length: 7 }, (_, i) => ({ id: `rec-${i}`, v: i }));
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      // Down after the first page, so a run gets part-way before its circuit opens.
      if (failing && url.searchParams.get("cursor")) return void res.writeHead(503).end();
      pages++;
      const start = Number(url.searchParams.get("cursor") ?? 0);
      const size = Number(url.searchParams.get("limit"));
      const next = start + size < items.length ? String(start + size) : null;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: items.slice(start, start + size), next_cursor: next }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      allowOutbound(baseUrl);
      const { integration } = await createIntegration(
        slug,
        { name: `sync ${Math.random()}`, kind: "rest", settings: { baseUrl, maxAttempts: 1, failureThreshold: 2, openSeconds: 60, sync: { pageSize: 3 } } },
        ctx,
      );
      const runs = () => tenantDb(slug).syncRun.findMany({ where: { integrationId: integration.id }, orderBy: { startedAt: "asc" } });
      const finished = (count: number) => async () => {
        const all = await runs();
        return all.length >= count && all.slice(0, count).every((r) => r.status !== "running") ? all : undefined;
      };

      await requestSync(slug, integration.id, "manual");
      const [first] = await eventually(finished(1), "the first sync");
      expect(first).toMatchObject({ status: "succeeded", pages: 3, fetched: 7, created: 7, updated: 0, unchanged: 0, cursor: null });
      expect(await tenantDb(slug).syncedRecord.count({ where: { integrationId: integration.id } })).toBe(7);

      await requestSync(slug, integration.id, "manual");
      const second = (await eventually(finished(2), "the second sync"))[1]!;
      expect(second).toMatchObject({ status: "succeeded", created: 0, updated: 0, unchanged: 7 });

      // The API fails from the second page on: two failures open the circuit and the
      // run stops early, keeping the cursor it reached.
      failing = true;
      await requestSync(slug, integration.id, "manual");
      const third = (await eventually(finished(3), "the third sync", 60_000))[2]!;
      expect(third).toMatchObject({ status: "stopped", pages: 1, cursor: "3", error: "the circuit is open" });
      pages = 0;
      failing = false;
      const { resetCircuit } = await import("@/lib/integrations/outbound/circuit-breaker");
      await resetCircuit(slug, integration.id);
      await requestSync(slug, integration.id, "manual");
      const fourth = (await eventually(finished(4), "the fourth sync"))[3]!;
      // Resumed at the stopped run's cursor: only the remaining two pages are fetched.
      expect(fourth).toMatchObject({ status: "succeeded", pages: 2, unchanged: 4, cursor: null });
      expect(pages).toBe(2);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }, 120_000);
});
