// A 2xx webhook is never stuck: rows the engine acknowledged and then lost are re-opened
// and sent again under the same event id, admins can replay stuck `received` rows, the
// health view counts them, and dispatching never throws. The engine here is a stand-in
// for its event intake (what send() talks to); test/workflows.test.ts runs the real runner.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { closePool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import { integrationHealth } from "@/lib/integrations/health";
import { dispatchInboxRows, engineEventId } from "@/lib/integrations/inbox/dispatch";
import { markProcessed } from "@/lib/integrations/inbox/process-webhook";
import { receiveWebhook } from "@/lib/integrations/inbox/receive-webhook";
import { reconcilePass, reopenStuckRows } from "@/lib/integrations/inbox/reconcile";
import { setInboxRecovery } from "@/lib/integrations/inbox/recovery";
import { replayEvents } from "@/lib/integrations/inbox/replay";
import { createIntegration } from "@/lib/integrations/integrations";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { patchEnv, patientRedis, rejectionOf, startFakeEngine, testMeta, type FakeEngine } from "./support/integrations";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("stuck");
const otherSlug = uniqueSlug("stuck");
const ctx = systemContext("test");
let raw: pg.Client;
let engine: FakeEngine;
let restoreEnv: () => void;

beforeAll(async () => {
  raw = await rawClient();
  engine = await startFakeEngine();
  // A 60 s bound: rows are made "stuck" by moving their dispatch into the past.
  restoreEnv = patchEnv({ INNGEST_BASE_URL: engine.url, INBOX_REDISPATCH_AFTER_SECONDS: "60", ...patientRedis });
  // What the reconciler does is asserted exactly here; the in-process loop has its own tests.
  setInboxRecovery(false);
  await Promise.all([createTenant({ slug, name: "Stuck Co" }), createTenant({ slug: otherSlug, name: "Other Stuck Co" })]);
});

afterAll(async () => {
  setInboxRecovery(true);
  restoreEnv();
  await engine.close();
  await dropTenantsQuietly([slug, otherSlug]);
  await raw.end();
  await closePool();
});

async function newHook(tenant = slug) {
  const { integration, secret } = await createIntegration(
    tenant,
    { name: `hook ${randomUUID().slice(0, 8)}`, kind: "webhook", scheme: "standard-webhooks" },
    ctx,
  );
  return { id: integration.id, secret: secret! };
}

async function deliver(hook: { id: string; secret: string }, tenant = slug) {
  const body = JSON.stringify({ type: "thing.updated", data: { id: `thing-${randomUUID()}` } });
  const headers = signWebhook("standard-webhooks", hook.secret, body, { id: `msg_${randomUUID()}` });
  const received = await receiveWebhook({ slug: tenant, integrationId: hook.id, headers, body: Buffer.from(body), meta: testMeta });
  expect(received).toMatchObject({ duplicate: false, dispatched: true });
  return received.id;
}

/** Moves a row's receipt and dispatch `secondsAgo` into the past (as if the engine had it that long). */
async function age(id: string, secondsAgo: number, tenant = slug) {
  const at = new Date(Date.now() - secondsAgo * 1000);
  await withAudit(tenant, ctx, (tx) => tx.webhookEvent.update({ where: { id }, data: { receivedAt: at, dispatchedAt: at } }));
}

async function row(id: string, tenant = slug) {
  const { rows } = await raw.query<{ status: string; dispatched_at: Date | null; generation: number }>(
    `SELECT status, dispatched_at, generation FROM "${schemaNameFor(tenant)}".webhook_events WHERE id = $1`,
    [id],
  );
  return rows[0]!;
}

const sentFor = (id: string) => engine.events.filter((e) => e.data.eventId === id).map((e) => e.id);

describe("rows the engine acknowledged and then lost", () => {
  it("are re-opened after the bound and sent again under the same event id; processed and younger rows are left alone", async () => {
    const hook = await newHook();
    const [lost, young, done] = [await deliver(hook), await deliver(hook), await deliver(hook)];
    await age(lost, 120);
    await age(done, 120);
    await markProcessed(slug, done);
    expect(sentFor(lost)).toEqual([engineEventId(slug, { id: lost, integrationId: hook.id, generation: 0 })]);

    // Before this change the reconciler never looked at them again: dispatched_at was set.
    const pass = await reconcilePass({ slugs: [slug] });
    expect(pass.reopened).toBe(1);
    expect(pass.dispatched).toBeGreaterThanOrEqual(1);
    const id0 = engineEventId(slug, { id: lost, integrationId: hook.id, generation: 0 });
    // The same id twice: the engine (and processing, which skips a processed row) drops the repeat.
    expect(sentFor(lost)).toEqual([id0, id0]);
    expect(await row(lost)).toMatchObject({ status: "received", generation: 0, dispatched_at: expect.any(Date) });
    expect(sentFor(young)).toHaveLength(1);
    expect(sentFor(done)).toHaveLength(1);
    // Freshly dispatched again: not re-opened by the next pass.
    expect(await reopenStuckRows({ slugs: [slug] })).toBe(0);
  });

  it("the cron's pass does not reach into another tenant when given one", async () => {
    const theirs = await newHook(otherSlug);
    const lost = await deliver(theirs, otherSlug);
    await age(lost, 120, otherSlug);
    expect(await reopenStuckRows({ slugs: [slug] })).toBe(0);
    expect((await row(lost, otherSlug)).dispatched_at).not.toBeNull();
    expect(await reopenStuckRows({ slugs: [otherSlug] })).toBe(1);
  });

  it("are counted as stuck by the health view", async () => {
    const hook = await newHook();
    const [lost, fresh] = [await deliver(hook), await deliver(hook)];
    expect((await integrationHealth(slug, hook.id)).inbox).toMatchObject({ stuck: 0, stuckAfterSeconds: 60 });
    await age(lost, 120);
    const health = await integrationHealth(slug, hook.id);
    expect(health.inbox).toMatchObject({ backlog: 2, stuck: 1, undispatched: 0, stuckAfterSeconds: 60 });
    expect(fresh).toBeDefined();
  });
});

describe("the periodic and start-up pass", () => {
  it("leaves rows younger than 30 s to the request still dispatching them, and sends older ones", async () => {
    const hook = await newHook();
    const id = await deliver(hook);
    // As if its request had not sent it yet.
    await withAudit(slug, ctx, (tx) => tx.webhookEvent.update({ where: { id }, data: { dispatchedAt: null } }));
    const sentBefore = sentFor(id).length;
    await reconcilePass({ slugs: [slug] });
    expect(sentFor(id)).toHaveLength(sentBefore);
    expect((await row(id)).dispatched_at).toBeNull();
    await withAudit(slug, ctx, (tx) => tx.webhookEvent.update({ where: { id }, data: { receivedAt: new Date(Date.now() - 31_000) } }));
    await reconcilePass({ slugs: [slug] });
    expect(sentFor(id)).toHaveLength(sentBefore + 1);
    expect((await row(id)).dispatched_at).not.toBeNull();
  });
});

describe("the periodic pass over every tenant", () => {
  it("skips a tenant it found settled until its inbox is written, then sends the new row", async () => {
    const quiet = uniqueSlug("stuck-quiet");
    await createTenant({ slug: quiet, name: "Quiet Co" });
    try {
      const hook = await newHook(quiet);
      await reconcilePass(); // every tenant: `quiet` has no rows, so it is settled
      const id = await deliver(hook, quiet);
      // As if its request had died before sending it, long enough ago for the pass.
      await withAudit(quiet, ctx, (tx) => tx.webhookEvent.update({ where: { id }, data: { dispatchedAt: null, receivedAt: new Date(Date.now() - 60_000) } }));
      const sentBefore = sentFor(id).length;
      // The write moves the inbox's statistics within seconds; then the pass looks again.
      for (let i = 0; i < 60 && (await row(id, quiet)).dispatched_at === null; i++) {
        await reconcilePass();
        if ((await row(id, quiet)).dispatched_at === null) await new Promise((r) => setTimeout(r, 500));
      }
      expect((await row(id, quiet)).dispatched_at).not.toBeNull();
      expect(sentFor(id)).toHaveLength(sentBefore + 1);
    } finally {
      await dropTenantsQuietly([quiet]);
    }
  }, 60_000);
});

describe("replaying stuck received rows", () => {
  it("by id and by status: rows older than the bound are replayed under a new generation; younger ones are refused", async () => {
    const hook = await newHook();
    const [old1, old2, young] = [await deliver(hook), await deliver(hook), await deliver(hook)];
    await age(old1, 120);
    await age(old2, 120);

    const refused = await rejectionOf(replayEvents(slug, hook.id, { ids: [young], statuses: ["received"] }, ctx));
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe("conflict");
    expect(await row(young)).toMatchObject({ generation: 0 });

    const byId = await replayEvents(slug, hook.id, { ids: [old1, young], statuses: ["received"] }, ctx);
    expect(byId).toEqual({ replayed: 1, dispatched: 1, ids: [old1], skipped: [young] });
    expect(sentFor(old1).at(-1)).toBe(engineEventId(slug, { id: old1, integrationId: hook.id, generation: 1 }));

    // {"statuses":["received"]} was a 400; now it replays every received row past the bound (old1 was just replayed, so it is young again).
    await age(old1, 10);
    const byStatus = await replayEvents(slug, hook.id, { statuses: ["received"] }, ctx);
    expect(byStatus).toMatchObject({ replayed: 1, ids: [old2] });
    expect(await row(old2)).toMatchObject({ status: "received", generation: 1 });
    expect(await row(young)).toMatchObject({ generation: 0 });
  });

  it("another tenant cannot replay them", async () => {
    const hook = await newHook();
    const lost = await deliver(hook);
    await age(lost, 120);
    const err = await rejectionOf(replayEvents(otherSlug, hook.id, { ids: [lost], statuses: ["received"] }, ctx));
    expect((err as AppError).code).toBe("not_found");
    expect(await row(lost)).toMatchObject({ generation: 0 });
  });
});

describe("dispatchInboxRows never throws", () => {
  it("a database failure marking acknowledged rows is logged, not thrown, and the rows stay offered", async () => {
    const hook = await newHook();
    // The engine acknowledges the send; marking fails in the database (no such tenant
    // schema: a stand-in for a connection killed under the mark).
    const before = engine.events.length;
    await expect(dispatchInboxRows("no-such-tenant-xyz", [{ id: randomUUID(), integrationId: hook.id, generation: 0 }])).resolves.toBe(1);
    expect(engine.events.length).toBe(before + 1);
    // A send the engine refuses: 0, no throw.
    engine.down = true;
    try {
      await expect(dispatchInboxRows(slug, [{ id: randomUUID(), integrationId: hook.id, generation: 0 }])).resolves.toBe(0);
    } finally {
      engine.down = false;
    }
  });
});
