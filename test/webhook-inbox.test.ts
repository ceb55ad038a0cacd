// The webhook inbox against real PostgreSQL and Redis, with a stand-in for the workflow
// engine's event intake: receiving (each scheme, tampering, staleness, rotation, dedup,
// paused/unknown/foreign integrations, rate limit), dispatch and reconciliation, the
// processing steps, replay, listing, health, and what the audit trail keeps.
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { Redis } from "ioredis";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { closePool } from "@/lib/db/pool";
import { serverEnv } from "@/lib/env";
import { redisKey } from "@/lib/redis/tcp-client";
import { AppError } from "@/lib/errors/app-error";
import { integrationHealth } from "@/lib/integrations/health";
import { getInboxEvent, listInboxEvents } from "@/lib/integrations/inbox/list-events";
import { applyWebhookEvent, forwardWebhookEvent, markAttemptFailed, markDead, markProcessed, objectOfEvent } from "@/lib/integrations/inbox/process-webhook";
import { UnprocessableEventError } from "@/lib/integrations/inbox/unprocessable-event";
import { applyWebhookBatch } from "@/lib/integrations/inbox/process-batch";
import { receiveWebhook } from "@/lib/integrations/inbox/receive-webhook";
import { isMissingIntegration, storeInboxEvent } from "@/lib/integrations/inbox/store-event";
import { cachedWebhookTarget, webhookTarget } from "@/lib/integrations/inbox/webhook-target";
import { reconcileInbox } from "@/lib/integrations/inbox/reconcile";
import { setInboxRecovery } from "@/lib/integrations/inbox/recovery";
import { replayEvents } from "@/lib/integrations/inbox/replay";
import { createIntegration, deleteIntegration, rotateWebhookSecret, updateIntegration } from "@/lib/integrations/integrations";
import type { WebhookScheme } from "@/lib/integrations/settings";
import { webhookSchemes } from "@/lib/integrations/signatures";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { withTenant } from "@/lib/http/with-tenant";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { updateTenantSettings } from "@/lib/tenancy/tenant-settings";
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
  startFakeEngine,
  startLocalApi,
  testMeta,
  type FakeEngine,
} from "./support/integrations";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("inbox");
const otherSlug = uniqueSlug("inbox");
const ctx = systemContext("test");
let raw: pg.Client;
let engine: FakeEngine;
let restoreEnv: () => void;
/** Set by the engine-down test: the event id the reconciler used for a replayed row, and the row's original one. */
let replayReoffer: { originalId: string; reofferedId: string | undefined } | undefined;

beforeAll(async () => {
  raw = await rawClient();
  engine = await startFakeEngine();
  restoreEnv = patchEnv({ INNGEST_BASE_URL: engine.url, ...patientRedis });
  await Promise.all([createTenant({ slug, name: "Inbox Co" }), createTenant({ slug: otherSlug, name: "Other Inbox Co" })]);
});

afterAll(async () => {
  restoreEnv();
  await engine.close();
  await dropTenantsQuietly([slug, otherSlug]);
  await raw.end();
  await closePool();
});

// ---------------------------------------------------------------- helpers

interface Hook {
  id: string;
  secret: string;
  scheme: WebhookScheme;
}

async function newHook(scheme: WebhookScheme, settings?: Record<string, unknown>, tenant = slug): Promise<Hook> {
  const { integration, secret } = await createIntegration(tenant, { name: `${scheme} ${randomUUID().slice(0, 8)}`, kind: "webhook", scheme, settings }, ctx);
  return { id: integration.id, secret: secret!, scheme };
}

interface Delivery {
  headers: Record<string, string>;
  body: Buffer;
  /** The provider's event id the inbox should key the row by. */
  providerId: string;
}

/** A payload as each provider shapes it, serialised with odd spacing and non-ASCII text (the stored bytes must be these). */
function defaultPayload(scheme: WebhookScheme, id: string): string {
  switch (scheme) {
    case "stripe":
      return `{"id": "${id}",  "object":"event", "type":"customer.updated", "data":{"object":{"id":"cus_${id}","name":"Zoë ✓"}}}`;
    case "standard-webhooks":
      return `{"type":"contact.created",  "data":{"id":"c_${id}","name":"Zoë ✓"}}`;
    case "github":
      // The delivery id in the body too: GitHub bodies differ per event, and identical ones within the replay window are replays.
      return `{"action":"opened",  "issue":{"number":7,"title":"Zoë ✓","node_id":"${id}"}}`;
    case "hmac-sha256":
      return `{"type":"order.paid",  "id":"ord_${id}","note":"Zoë ✓"}`;
  }
}

function signed(hook: Pick<Hook, "scheme" | "secret">, opts: { id?: string; body?: string | Buffer; timestamp?: Date } = {}): Delivery {
  const id = opts.id ?? `${hook.scheme}-${randomUUID()}`;
  const body = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body ?? defaultPayload(hook.scheme, id), "utf8");
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Provider-Hookshot/1.0",
    ...signWebhook(hook.scheme, hook.secret, body, { id, timestamp: opts.timestamp }),
  };
  if (hook.scheme === "github") headers["X-GitHub-Event"] = "issues";
  return { headers, body, providerId: id };
}

function receive(integrationId: string, d: Delivery, opts: { tenant?: string; now?: Date } = {}) {
  return receiveWebhook({ slug: opts.tenant ?? slug, integrationId, headers: d.headers, body: d.body, meta: testMeta, now: opts.now });
}

interface InboxRow {
  id: string;
  provider_event_id: string;
  event_type: string | null;
  headers: Record<string, string>;
  body: Buffer;
  body_sha256: string;
  status: string;
  attempts: number;
  last_error: string | null;
  received_at: Date;
  dispatched_at: Date | null;
  processed_at: Date | null;
}

async function inboxOf(integrationId: string, tenant = slug): Promise<InboxRow[]> {
  const { rows } = await raw.query<InboxRow>(`SELECT * FROM "${schemaNameFor(tenant)}".webhook_events WHERE integration_id = $1 ORDER BY received_at, id`, [
    integrationId,
  ]);
  return rows;
}

async function inboxRow(id: string, tenant = slug): Promise<InboxRow> {
  const { rows } = await raw.query<InboxRow>(`SELECT * FROM "${schemaNameFor(tenant)}".webhook_events WHERE id = $1`, [id]);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function appError(promise: Promise<unknown>, code: AppError["code"]): Promise<AppError> {
  const err = await rejectionOf(promise);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Rejected-delivery audit rows about one integration id. */
const rejections = (tenant: string, integrationId: string) =>
  auditRows(raw, tenant, "action = 'integration.webhook_rejected' AND target_id = $1", [integrationId]);

/** A stored row, received and dispatched, for the processing tests. */
async function storedEvent(hook: Hook, body?: string): Promise<string> {
  const result = await receive(hook.id, signed(hook, { body }));
  expect(result.duplicate).toBe(false);
  return result.id;
}

// ---------------------------------------------------------------- receiving

describe("receiving a signed delivery", () => {
  it.each(webhookSchemes)("%s: stores the exact bytes, dispatches, audits without the body", async (scheme) => {
    const hook = await newHook(scheme);
    const d = signed(hook);
    const result = await receive(hook.id, d);
    expect(result).toEqual({ id: expect.any(String), duplicate: false, dispatched: true });

    const [row] = await inboxOf(hook.id);
    expect(row).toMatchObject({ id: result.id, provider_event_id: d.providerId, status: "received", attempts: 0, last_error: null, processed_at: null });
    expect(Buffer.compare(row!.body, d.body)).toBe(0);
    expect(row!.body_sha256).toBe(sha256(d.body));
    expect(row!.dispatched_at).toBeInstanceOf(Date);
    expect(row!.event_type).toBe({ stripe: "customer.updated", "standard-webhooks": "contact.created", github: "issues", "hmac-sha256": "order.paid" }[scheme]);
    // Kept headers: never a signature.
    expect(row!.headers).toMatchObject({ "content-type": "application/json", "user-agent": "Provider-Hookshot/1.0" });
    expect(JSON.stringify(row!.headers).toLowerCase()).not.toMatch(/signature|sha256=|v1=/);

    // The engine was handed exactly this row, under the row's deterministic event id.
    const sent = engine.events.filter((e) => e.data.eventId === result.id);
    expect(sent).toEqual([
      expect.objectContaining({
        name: "integration/webhook.received",
        id: `webhook-${slug}-${result.id}-0`,
        data: { tenant: slug, integrationId: hook.id, eventId: result.id },
      }),
    ]);

    const [created] = await auditRows(raw, slug, "action = 'webhook_event.created' AND target_id = $1", [result.id]);
    expect(created).toMatchObject({ actor_type: "webhook", actor_id: hook.id, actor_label: expect.stringContaining("webhook") });
    expect(created!.changes).toMatchObject({ provider_event_id: d.providerId, body_sha256: sha256(d.body) });
    expect(Object.keys(created!.changes!)).not.toContain("body");
    expect(Object.keys(created!.changes!)).not.toContain("headers");
  });

  it.each(webhookSchemes)("%s: a tampered body is refused, audited, and not stored", async (scheme) => {
    const hook = await newHook(scheme);
    const d = signed(hook);
    const tampered = Buffer.from(d.body.toString("utf8").replace("Zoë", "Zoe"), "utf8");
    expect(Buffer.compare(tampered, d.body)).not.toBe(0);
    const err = await appError(receive(hook.id, { ...d, body: tampered }), "unauthorized");
    expect(err.reason).toBe("bad_signature");
    // A signature under some other secret is refused as well.
    const foreign = signed({ scheme, secret: (await newHook(scheme)).secret });
    expect((await appError(receive(hook.id, foreign), "unauthorized")).reason).toBe("bad_signature");

    expect(await inboxOf(hook.id)).toEqual([]);
    const audited = await rejections(slug, hook.id);
    expect(audited).toHaveLength(2);
    expect(audited[0]).toMatchObject({ actor_type: "webhook", actor_id: hook.id, target_type: "integration" });
    expect(audited[0]!.metadata).toMatchObject({ reason: "bad_signature", status: 401 });
    expect(engine.events.some((e) => e.data.integrationId === hook.id)).toBe(false);
  });

  it("a delivery without its signature header is refused", async () => {
    const hook = await newHook("stripe");
    const d = signed(hook);
    const err = await appError(receive(hook.id, { ...d, headers: { "content-type": "application/json" } }), "unauthorized");
    expect(err.reason).toBe("missing_signature");
    expect(await inboxOf(hook.id)).toEqual([]);
  });

  it.each(["stripe", "standard-webhooks"] as const)("%s: a stale or future timestamp is refused", async (scheme) => {
    const hook = await newHook(scheme);
    const signedAt = new Date();
    const d = signed(hook, { timestamp: signedAt });
    for (const offsetMs of [10 * 60_000, -10 * 60_000]) {
      const err = await appError(receive(hook.id, d, { now: new Date(signedAt.getTime() + offsetMs) }), "unauthorized");
      expect(err.reason).toBe("stale_timestamp");
    }
    expect(await inboxOf(hook.id)).toEqual([]);
    expect((await rejections(slug, hook.id)).map((r) => r.metadata?.reason)).toEqual(["stale_timestamp", "stale_timestamp"]);
    // Within the tolerance it is fine.
    expect((await receive(hook.id, d, { now: new Date(signedAt.getTime() + 60_000) })).duplicate).toBe(false);
  });

  it.each(webhookSchemes)("%s: after a rotation both secrets verify during the grace period, only the new one after it", async (scheme) => {
    const hook = await newHook(scheme);
    const { secret: second } = await rotateWebhookSecret(slug, hook.id, { graceSeconds: 3600 }, ctx);
    expect(second).not.toBe(hook.secret);
    expect((await receive(hook.id, signed(hook))).duplicate).toBe(false);
    expect((await receive(hook.id, signed({ scheme, secret: second }))).duplicate).toBe(false);

    // Two hours on, the grace period is over: the old secret no longer verifies.
    const later = new Date(Date.now() + 2 * 3600_000);
    const stale = await appError(receive(hook.id, signed(hook, { timestamp: later }), { now: later }), "unauthorized");
    expect(stale.reason).toBe("bad_signature");
    expect((await receive(hook.id, signed({ scheme, secret: second }, { timestamp: later }), { now: later })).duplicate).toBe(false);

    // Rotating with no grace period refuses the previous secret at once.
    const { secret: third } = await rotateWebhookSecret(slug, hook.id, { graceSeconds: 0 }, ctx);
    for (const old of [second, hook.secret]) {
      expect((await appError(receive(hook.id, signed({ scheme, secret: old })), "unauthorized")).reason).toBe("bad_signature");
    }
    expect((await receive(hook.id, signed({ scheme, secret: third }))).duplicate).toBe(false);
    expect(await inboxOf(hook.id)).toHaveLength(4);
  });

  it("hmac-sha256 reads the integration's own header names", async () => {
    const hook = await newHook("hmac-sha256", { signatureHeader: "X-Acme-Signature", eventIdHeader: "X-Acme-Delivery" });
    const body = Buffer.from(defaultPayload("hmac-sha256", "custom"), "utf8");
    const headers = signWebhook("hmac-sha256", hook.secret, body, { id: "acme-1", header: "X-Acme-Signature", eventIdHeader: "X-Acme-Delivery" });
    const result = await receive(hook.id, { headers, body, providerId: "acme-1" });
    const row = await inboxRow(result.id);
    expect(row.provider_event_id).toBe("acme-1");
    expect(row.headers).toEqual({ "x-acme-delivery": "acme-1" });
    // The default header names are not what this integration reads.
    const defaults = signed(hook);
    expect((await appError(receive(hook.id, defaults), "unauthorized")).reason).toBe("missing_signature");
  });
});

// ---------------------------------------------------------------- dedup

describe("deduplication by the provider's event id", () => {
  it("a redelivery answers the same id as a duplicate and stores nothing new", async () => {
    const hook = await newHook("standard-webhooks");
    const d = signed(hook, { id: "msg_redelivered_1" });
    const first = await receive(hook.id, d);
    const again = await receive(hook.id, signed(hook, { id: "msg_redelivered_1" }));
    expect(again).toEqual({ id: first.id, duplicate: true, dispatched: false });
    expect(await inboxOf(hook.id)).toHaveLength(1);
    expect(engine.events.filter((e) => e.data.eventId === first.id)).toHaveLength(1);
    expect(await auditRows(raw, slug, "action = 'webhook_event.created' AND target_id = $1", [first.id])).toHaveLength(1);
    // The same id on another integration is another event.
    const other = await newHook("standard-webhooks");
    expect((await receive(other.id, signed(other, { id: "msg_redelivered_1" }))).duplicate).toBe(false);
  });

  it("hmac-sha256 without an event id header dedupes identical bodies", async () => {
    const hook = await newHook("hmac-sha256");
    const body = Buffer.from('{"type":"ping"}');
    const headers = signWebhook("hmac-sha256", hook.secret, body);
    const first = await receive(hook.id, { headers, body, providerId: "" });
    expect((await inboxRow(first.id)).provider_event_id).toBe(`sha256:${sha256(body)}`);
    expect(await receive(hook.id, { headers, body, providerId: "" })).toEqual({ id: first.id, duplicate: true, dispatched: false });
  });

  it("five concurrent copies store exactly one row", async () => {
    const hook = await newHook("github");
    const id = randomUUID();
    const results = await Promise.all(Array.from({ length: 5 }, () => receive(hook.id, signed(hook, { id }))));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await inboxOf(hook.id)).toHaveLength(1);
    expect(await countRows(raw, slug, "audit_log", "action = 'webhook_event.created' AND target_id = $1", [results[0]!.id])).toBe(1);
  });
});

describe("replays on schemes whose event id is not signed (github, hmac-sha256)", () => {
  /** One captured delivery, resent with other event ids: the signature still verifies. */
  function replayed(d: Delivery, header: string, ids: string[]): Delivery[] {
    return ids.map((id) => {
      const headers = Object.fromEntries(Object.entries(d.headers).filter(([k]) => k.toLowerCase() !== header.toLowerCase()));
      return { headers: { ...headers, [header]: id }, body: d.body, providerId: id };
    });
  }

  it.each([
    ["hmac-sha256", "X-Event-Id"],
    ["github", "X-GitHub-Delivery"],
  ] as const)("%s: one body and signature replayed under new ids r1, r2, r3 is a duplicate of the first, nothing stored", async (scheme, header) => {
    const hook = await newHook(scheme);
    const captured = signed(hook, { id: "r0" });
    const first = await receive(hook.id, captured);
    expect(first.duplicate).toBe(false);
    const sentBefore = engine.events.length;
    for (const replay of replayed(captured, header, ["r1", "r2", "r3"])) {
      expect(await receive(hook.id, replay)).toEqual({ id: first.id, duplicate: true, dispatched: false });
    }
    expect(await inboxOf(hook.id)).toHaveLength(1);
    // Nothing new for the engine, nothing new in the audit trail.
    expect(engine.events.length).toBe(sentBefore);
    expect(await countRows(raw, slug, "audit_log", "action = 'webhook_event.created' AND target_id = $1", [first.id])).toBe(1);
  });

  it("concurrent replays under different ids store exactly one row", async () => {
    const hook = await newHook("hmac-sha256");
    const captured = signed(hook, { id: "c0" });
    const results = await Promise.all(replayed(captured, "X-Event-Id", ["c1", "c2", "c3", "c4", "c5"]).map((d) => receive(hook.id, d)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await inboxOf(hook.id)).toHaveLength(1);
  });

  it("the window is per integration: older bodies, other integrations and other tenants are not replays", async () => {
    const hook = await newHook("hmac-sha256", { replayWindowSeconds: 60 });
    const captured = signed(hook, { id: "w0" });
    const first = await receive(hook.id, captured);
    // Two minutes later the same body is accepted again (the documented limit of the window).
    await withAudit(slug, ctx, (tx) => tx.webhookEvent.update({ where: { id: first.id }, data: { receivedAt: new Date(Date.now() - 120_000) } }));
    const later = await receive(hook.id, replayed(captured, "X-Event-Id", ["w1"])[0]!);
    expect(later.duplicate).toBe(false);
    expect(await inboxOf(hook.id)).toHaveLength(2);

    // The same body to another integration of the tenant, or of another tenant, is its own event.
    const neighbour = await newHook("hmac-sha256");
    expect((await receive(neighbour.id, signed(neighbour, { id: "w0", body: captured.body }))).duplicate).toBe(false);
    // (A tenant of its own: the other tests expect otherSlug's inbox to stay empty.)
    const third = uniqueSlug("inbox");
    await createTenant({ slug: third, name: "Third Inbox Co" });
    try {
      const theirs = await newHook("hmac-sha256", undefined, third);
      expect((await receive(theirs.id, signed(theirs, { id: "w0", body: captured.body }), { tenant: third })).duplicate).toBe(false);
      expect(await inboxOf(theirs.id, third)).toHaveLength(1);
    } finally {
      await dropTenantsQuietly([third]);
    }
  });

  it("signed-id schemes keep deduplicating by event id alone: the same body under a new signed id is a new event", async () => {
    const hook = await newHook("standard-webhooks");
    const body = '{"type":"contact.created","data":{"id":"c_same"}}';
    const a = await receive(hook.id, signed(hook, { id: "msg_same_1", body }));
    const b = await receive(hook.id, signed(hook, { id: "msg_same_2", body }));
    expect([a.duplicate, b.duplicate]).toEqual([false, false]);
    expect(await inboxOf(hook.id)).toHaveLength(2);
  });

  it("the window is validated", async () => {
    await appError(newHook("hmac-sha256", { replayWindowSeconds: 5 }), "bad_request");
  });
});

// ---------------------------------------------------------------- refused integrations

describe("integrations that do not take deliveries", () => {
  it("a paused integration answers not_found, audited, nothing stored", async () => {
    const hook = await newHook("stripe");
    await updateIntegration(slug, hook.id, { status: "paused" }, ctx);
    const err = await appError(receive(hook.id, signed(hook)), "not_found");
    expect(err.reason).toBe("integration_paused");
    expect(await inboxOf(hook.id)).toEqual([]);
    const [audit] = await rejections(slug, hook.id);
    expect(audit).toMatchObject({ actor_type: "webhook", actor_id: hook.id });
    expect(audit!.metadata).toMatchObject({ reason: "integration_paused", status: 404 });
    // Resumed, it takes deliveries again.
    await updateIntegration(slug, hook.id, { status: "active" }, ctx);
    expect((await receive(hook.id, signed(hook))).duplicate).toBe(false);
  });

  it("unknown, malformed and rest integration ids answer not_found, audited as anonymous", async () => {
    const hook = await newHook("github");
    const rest = await createIntegration(slug, { name: "Not a webhook", kind: "rest", settings: { baseUrl: "https://api.example.com" }, token: "t0k" }, ctx);
    const before = await countRows(raw, slug, "webhook_events");
    for (const id of [randomUUID(), "not-a-uuid", rest.integration.id]) {
      const err = await appError(receive(id, signed(hook)), "not_found");
      expect(err.reason).toBe("unknown_integration");
      const [audit] = await rejections(slug, id);
      expect(audit!.metadata).toMatchObject({ reason: "unknown_integration", status: 404 });
      expect(audit!.actor_type).toBe(id === rest.integration.id ? "webhook" : "anonymous");
    }
    expect(await countRows(raw, slug, "webhook_events")).toBe(before);
  });

  it("another tenant cannot deliver to this tenant's integration", async () => {
    const hook = await newHook("stripe");
    await storedEvent(hook);
    const inboxBefore = await inboxOf(hook.id);
    const auditBefore = await auditHighWater(raw, slug);
    const err = await appError(receive(hook.id, signed(hook), { tenant: otherSlug }), "not_found");
    expect(err.reason).toBe("unknown_integration");
    expect(await inboxOf(hook.id)).toEqual(inboxBefore);
    expect(await auditRows(raw, slug, "seq > $1", [auditBefore])).toEqual([]);
    // The refusal is in the receiving tenant's log, not the owner's.
    expect(await rejections(otherSlug, hook.id)).toHaveLength(1);
    expect(await countRows(raw, otherSlug, "webhook_events")).toBe(0);
  });
});

// ---------------------------------------------------------------- the in-memory integration cache

describe("the integration cache of the webhook path", () => {
  /** Loads `id` into this process's cache once the echo of the write that created it (our own published invalidation) has passed. */
  async function warm(tenant: string, id: string): Promise<void> {
    const deadline = Date.now() + 2_000;
    for (;;) {
      await webhookTarget(tenant, id);
      await new Promise((r) => setTimeout(r, 50));
      if (cachedWebhookTarget(tenant, id) !== undefined) return;
      if (Date.now() > deadline) throw new Error("the integration never stayed cached");
    }
  }

  it("serves a warm integration from memory; a rotation, a pause and a deletion apply at once, and are published to other instances", async () => {
    const hook = await newHook("standard-webhooks");
    await warm(slug, hook.id);
    await storedEvent(hook);
    expect(cachedWebhookTarget(slug, hook.id)).toMatchObject({ integration: { id: hook.id, status: "active" } });
    // Never the ciphertexts in the cached entry.
    expect(Object.keys(cachedWebhookTarget(slug, hook.id)!.integration)).not.toContain("secretSealed");

    const listener = new Redis(serverEnv().REDIS_URL);
    const messages: unknown[] = [];
    try {
      await listener.subscribe(redisKey("cache-invalidate"));
      listener.on("message", (_c: string, m: string) => messages.push(JSON.parse(m)));

      const { secret } = await rotateWebhookSecret(slug, hook.id, { graceSeconds: 0 }, ctx);
      const stale = await appError(receive(hook.id, signed(hook)), "unauthorized");
      expect(stale.reason).toBeDefined();
      const rotated = { ...hook, secret };
      expect((await receive(hook.id, signed(rotated))).duplicate).toBe(false);
      // The tenant's group of the integrations cache, for every other instance.
      const published = { c: "integrations", k: `group:${slug}` };
      const deadline = Date.now() + 1_000;
      while (!messages.some((m) => JSON.stringify(m) === JSON.stringify(published)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(messages).toContainEqual(published);

      await updateIntegration(slug, hook.id, { status: "paused" }, ctx);
      expect((await appError(receive(hook.id, signed(rotated)), "not_found")).reason).toBe("integration_paused");
      await updateIntegration(slug, hook.id, { status: "active" }, ctx);
      expect((await receive(hook.id, signed(rotated))).duplicate).toBe(false);

      await deleteIntegration(slug, hook.id, ctx);
      expect((await appError(receive(hook.id, signed(rotated)), "not_found")).reason).toBe("unknown_integration");
    } finally {
      listener.disconnect();
    }
  });

  it("another instance (a separate process) drops its copy within 1 s of a rotation or a pause", async () => {
    const hook = await newHook("stripe");
    const peer = spawn(process.execPath, ["--import", "tsx", "test/support/cache-peer.ts"], { env: process.env, stdio: ["pipe", "pipe", "inherit"] });
    const lines = createInterface({ input: peer.stdout! })[Symbol.asyncIterator]();
    const next = async () =>
      JSON.parse(String((await lines.next()).value)) as { ready?: boolean; cachedBefore: boolean; status: string | null; secret: string | null };
    const ask = async () => {
      peer.stdin!.write(`${JSON.stringify({ slug, id: hook.id })}\n`);
      return next();
    };
    try {
      expect(await next()).toEqual({ ready: true });
      const cold = await ask();
      expect(cold).toMatchObject({ cachedBefore: false, status: "active" });
      expect(await ask()).toMatchObject({ cachedBefore: true, status: "active", secret: cold.secret });

      /** Polls the peer until it no longer serves its old copy; returns what it loads then, and how long it took. */
      const untilDropped = async (since: number) => {
        for (;;) {
          const answer = await ask();
          if (!answer.cachedBefore) return { answer, ms: Date.now() - since };
          if (Date.now() - since > 5_000) throw new Error("the peer kept its cached integration");
          await new Promise((r) => setTimeout(r, 25));
        }
      };
      let t = Date.now();
      await rotateWebhookSecret(slug, hook.id, { graceSeconds: 0 }, ctx);
      const afterRotation = await untilDropped(t);
      expect(afterRotation.ms).toBeLessThan(1_000);
      expect(afterRotation.answer.secret).not.toBe(cold.secret);

      expect((await ask()).cachedBefore).toBe(true);
      t = Date.now();
      await updateIntegration(slug, hook.id, { status: "paused" }, ctx);
      const afterPause = await untilDropped(t);
      expect(afterPause.ms).toBeLessThan(1_000);
      expect(afterPause.answer.status).toBe("paused");
    } finally {
      peer.kill();
    }
  }, 30_000);

  it("with the cache warm, another tenant's integration id on this tenant's host is refused and stores nothing", async () => {
    const hook = await newHook("github");
    await warm(slug, hook.id);
    await storedEvent(hook);
    const inboxBefore = await inboxOf(hook.id);
    const ownerAuditBefore = await auditHighWater(raw, slug);
    for (let i = 0; i < 2; i++) {
      // The second refusal is answered from memory ("no such integration" is cached per tenant too).
      expect((await appError(receive(hook.id, signed(hook), { tenant: otherSlug }), "not_found")).reason).toBe("unknown_integration");
      expect(cachedWebhookTarget(otherSlug, hook.id)).toBeNull();
    }
    expect(cachedWebhookTarget(slug, hook.id)).toMatchObject({ integration: { id: hook.id } });
    expect(await inboxOf(hook.id)).toEqual(inboxBefore);
    expect(await auditRows(raw, slug, "seq > $1", [ownerAuditBefore])).toEqual([]);
    expect(await rejections(otherSlug, hook.id)).toHaveLength(2);
    expect(await countRows(raw, otherSlug, "webhook_events")).toBe(0);
    // Created later in the other tenant under any id, it is found: creating drops the tenant's group.
    const theirs = await newHook("github", undefined, otherSlug);
    expect((await receive(theirs.id, signed(theirs), { tenant: otherSlug })).duplicate).toBe(false);
  });
});

// ---------------------------------------------------------------- group commit of the intake

describe("storing deliveries in groups", () => {
  const row = (integrationId: string, providerEventId = `p-${randomUUID()}`) => ({
    integrationId,
    providerEventId,
    eventType: "t",
    headers: { "content-type": "application/json" },
    body: Buffer.from(`{"n":"${providerEventId}"}`),
    bodySha256: sha256(Buffer.from(`{"n":"${providerEventId}"}`)),
  });
  const sender = (hookId: string, requestId: string) => ({ actorType: "webhook" as const, actorId: hookId, actorLabel: "webhook g", requestId });

  it("concurrent deliveries of a tenant are stored together, each audited with its own request, duplicates within a group included", async () => {
    const hook = await newHook("hmac-sha256");
    const repeated = `p-${randomUUID()}`;
    const rows = Array.from({ length: 12 }, (_, i) => (i === 7 || i === 9 ? row(hook.id, repeated) : row(hook.id)));
    const stored = await Promise.all(rows.map((r, i) => storeInboxEvent(slug, sender(hook.id, `req-group-${i}`), r)));
    expect(new Set(stored.map((s) => s.id)).size).toBe(11);
    expect(stored[7]).toEqual({ id: expect.any(String), duplicate: false });
    expect(stored[9]).toEqual({ id: stored[7]!.id, duplicate: true });
    expect(stored.filter((s) => s.duplicate)).toHaveLength(1);
    expect(await inboxOf(hook.id)).toHaveLength(11);
    const audit = await auditRows(raw, slug, "action = 'webhook_event.created' AND target_id = ANY($1)", [stored.map((s) => s.id)]);
    expect(audit).toHaveLength(11);
    const requestOf = new Map(
      (
        await raw.query<{ target_id: string; request_id: string }>(
          `SELECT target_id, request_id FROM "${schemaNameFor(slug)}".audit_log WHERE target_id = ANY($1)`,
          [stored.map((s) => s.id)],
        )
      ).rows.map((r) => [r.target_id, r.request_id]),
    );
    stored.forEach((s, i) => {
      if (!s.duplicate) expect(requestOf.get(s.id)).toBe(`req-group-${i}`);
    });
  });

  it("a bad row fails only its own delivery, not the group it was queued with", async () => {
    const hook = await newHook("hmac-sha256");
    const gone = randomUUID(); // no such integration: a foreign-key violation
    const results = await Promise.allSettled(
      [row(hook.id), row(hook.id), row(gone), row(hook.id), row(hook.id)].map((r, i) => storeInboxEvent(slug, sender(hook.id, `req-bad-${i}`), r)),
    );
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(isMissingIntegration((results[2] as PromiseRejectedResult).reason)).toBe(true);
    expect(await inboxOf(hook.id)).toHaveLength(4);
  });
});

// ---------------------------------------------------------------- coalesced dispatch

describe("coalesced sends to the engine", () => {
  it("concurrent deliveries reach the engine in one request, and every acknowledged row is marked dispatched", async () => {
    const hook = await newHook("hmac-sha256");
    const sends: (() => Promise<unknown>)[] = [];
    const stored = [];
    for (let i = 0; i < 20; i++) {
      const d = signed(hook);
      stored.push(await receiveWebhook({ slug, integrationId: hook.id, headers: d.headers, body: d.body, meta: testMeta, defer: (task) => sends.push(task) }));
    }
    expect(stored.every((r) => r.dispatched === false)).toBe(true);
    const requestsBefore = engine.requests;
    const eventsBefore = engine.events.length;
    expect(await Promise.all(sends.map((send) => send()))).toEqual(Array(20).fill(1));
    expect(engine.requests - requestsBefore).toBe(1);
    const sent = engine.events.slice(eventsBefore);
    expect(sent.map((e) => e.data.eventId).sort()).toEqual(stored.map((r) => r.id).sort());
    expect(await countRows(raw, slug, "webhook_events", "dispatched_at IS NOT NULL AND id = ANY($1::uuid[])", [stored.map((r) => r.id)])).toBe(20);
  });
});

// ---------------------------------------------------------------- batches

describe("applying a batch of inbox rows", () => {
  it("applies good events together, dead-letters the bad one alone, hands on forwards and poison, and is idempotent", async () => {
    const hook = await newHook("standard-webhooks");
    const { integration: rest } = await createIntegration(
      slug,
      { name: `target ${randomUUID().slice(0, 8)}`, kind: "rest", settings: { baseUrl: "https://api.example.com" }, token: "t0k" },
      ctx,
    );
    const forwarding = await newHook("standard-webhooks", { forwardTo: { integrationId: rest.id, path: "/in" } });
    const objectId = `obj_${randomUUID().slice(0, 8)}`;
    const first = await storedEvent(hook, JSON.stringify({ type: "t", data: { id: objectId, v: 1 } }));
    const second = await storedEvent(hook, JSON.stringify({ type: "t", data: { id: objectId, v: 2 } }));
    const other = await storedEvent(hook, JSON.stringify({ type: "t", data: { id: `${objectId}-b`, v: 1 } }));
    const notJson = await storedEvent(hook, "not json");
    // Valid JSON that PostgreSQL's jsonb refuses: known before any statement, dead alone.
    const unstorable = await storedEvent(hook, JSON.stringify({ type: "t", data: { id: `${objectId}-u`, v: "\u0000" } }));
    // A row PostgreSQL refuses for a reason the payload does not show (here a trigger the
    // test adds): it fails the batch statement, then its own, and goes to the retries.
    const poison = await storedEvent(hook, JSON.stringify({ type: "t", data: { id: `${objectId}-poison`, v: 1 } }));
    const forward = await storedEvent(forwarding);
    const missing = randomUUID();

    const schema = `"${schemaNameFor(slug)}"`;
    await raw.query(`CREATE FUNCTION ${schema}.test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'poison row'; END $$;
      CREATE TRIGGER test_refuse_poison BEFORE INSERT ON ${schema}.synced_records FOR EACH ROW WHEN (NEW.external_id LIKE '%-poison') EXECUTE FUNCTION ${schema}.test_refuse_poison()`);
    let outcome;
    try {
      outcome = await applyWebhookBatch(slug, [first, second, other, notJson, unstorable, poison, forward, missing]);
    } finally {
      await raw.query(`DROP TRIGGER test_refuse_poison ON ${schema}.synced_records; DROP FUNCTION ${schema}.test_refuse_poison()`);
    }
    expect(outcome).toEqual({ processed: [first, second, other], skipped: [], handOff: [forward, poison], dead: [notJson, unstorable], missing: [missing] });
    for (const id of [first, second, other]) expect(await inboxRow(id)).toMatchObject({ status: "processed", attempts: 1, last_error: null });
    expect(await inboxRow(notJson)).toMatchObject({ status: "dead", attempts: 1, last_error: "the payload is not JSON" });
    expect(await inboxRow(unstorable)).toMatchObject({ status: "dead", attempts: 1, last_error: expect.stringMatching(/cannot store/) });
    expect(await inboxRow(poison)).toMatchObject({ status: "failed", attempts: 1, last_error: expect.stringMatching(/poison row/) });
    expect(await inboxRow(forward)).toMatchObject({ status: "received", attempts: 0 });
    const { rows } = await raw.query(`SELECT external_id, data FROM "${schemaNameFor(slug)}".synced_records WHERE integration_id = $1 ORDER BY external_id`, [
      hook.id,
    ]);
    // The later event about the same object wins.
    expect(rows).toEqual([
      { external_id: objectId, data: { id: objectId, v: 2 } },
      { external_id: `${objectId}-b`, data: { id: `${objectId}-b`, v: 1 } },
    ]);

    const auditBefore = await auditHighWater(raw, slug);
    expect(await applyWebhookBatch(slug, [first, second, other])).toEqual({
      processed: [],
      skipped: [first, second, other],
      handOff: [],
      dead: [],
      missing: [],
    });
    expect(await auditRows(raw, slug, "seq > $1", [auditBefore])).toEqual([]);
  });

  it("a batch of good events is one upsert and one update, with the audit rows of each", async () => {
    const hook = await newHook("stripe");
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await storedEvent(hook));
    const auditBefore = await auditHighWater(raw, slug);
    const outcome = await applyWebhookBatch(slug, ids);
    expect(outcome.processed).toEqual(ids);
    const audit = await auditRows(raw, slug, "seq > $1", [auditBefore]);
    expect(audit.filter((r) => r.action === "synced_record.created")).toHaveLength(5);
    expect(audit.filter((r) => r.action === "webhook_event.updated")).toHaveLength(5);
    expect(new Set(audit.map((r) => r.actor_label))).toEqual(new Set(["webhook processor"]));
  });
});

// ---------------------------------------------------------------- rate limit

describe("per-integration rate limit", () => {
  it("refuses the delivery past the limit with Retry-After; other integrations are unaffected", async () => {
    const hook = await newHook("github", { rateLimitPerMinute: 2 });
    const neighbour = await newHook("github", { rateLimitPerMinute: 2 });
    await receive(hook.id, signed(hook));
    await receive(hook.id, signed(hook));
    const err = await appError(receive(hook.id, signed(hook)), "rate_limited");
    expect(err.status).toBe(429);
    expect(err.headers["Retry-After"]).toMatch(/^\d+$/);
    const retryAfter = Number(err.headers["Retry-After"]);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await inboxOf(hook.id)).toHaveLength(2);

    expect((await receive(neighbour.id, signed(neighbour))).duplicate).toBe(false);
    expect((await receive(neighbour.id, signed(neighbour))).duplicate).toBe(false);
    expect(await inboxOf(neighbour.id)).toHaveLength(2);
  });
});

describe("limits taken by the route: the tenant's and the integration's in one call", () => {
  // The route's composition (app/api/webhooks/[integrationId]/route.ts), without Next's
  // `after`, which needs a request scope: the send runs before the answer here.
  const handler = withTenant(
    async ({ tenant, request, meta, takeLimits }, route) => {
      const result = await receiveWebhook({
        slug: tenant.slug,
        integrationId: String((await route.params).integrationId),
        headers: request.headers,
        body: Buffer.from(await request.arrayBuffer()),
        meta,
        takeLimits,
      });
      return Response.json({ id: result.id }, { status: result.duplicate ? 200 : 202 });
    },
    { limits: "in-handler" },
  );
  const post = (tenant: string, integrationId: string, d: Delivery) =>
    handler(
      new Request(`http://${tenant}.localhost/api/webhooks/${integrationId}`, {
        method: "POST",
        headers: { ...d.headers, [internalHeaders.tenant]: tenant },
        body: new Uint8Array(d.body),
      }),
      {
        params: Promise.resolve({ integrationId }),
      },
    );

  it("refuses past either bucket with problem+json and Retry-After; a refusal charges neither; unknown ids count against the tenant", async () => {
    const tenant = uniqueSlug("inbox-rl");
    await createTenant({ slug: tenant, name: "Limits Co" });
    try {
      await updateTenantSettings(tenant, { rateLimits: { apiPerMinute: 4 } }, ctx);
      // Away from a window edge: sliding windows weigh in the previous one.
      const left = 60_000 - (Date.now() % 60_000);
      if (left < 3_000) await new Promise((r) => setTimeout(r, left + 50));
      const hook = await newHook("github", { rateLimitPerMinute: 2 }, tenant);
      const neighbour = await newHook("github", {}, tenant);

      const first = await post(tenant, hook.id, signed(hook));
      expect(first.status).toBe(202);
      // The tighter of the two buckets speaks: the integration's, with 1 left.
      expect(first.headers.get("RateLimit-Limit")).toBe("2");
      expect(first.headers.get("RateLimit-Remaining")).toBe("1");
      expect((await post(tenant, hook.id, signed(hook))).status).toBe(202);
      const refused = await post(tenant, hook.id, signed(hook));
      expect(refused.status).toBe(429);
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
      expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      expect(await refused.json()).toMatchObject({ status: 429, reason: "rate_limited" });
      expect(await inboxOf(hook.id, tenant)).toHaveLength(2);

      // The refused call charged nothing: the tenant has 2 of 4 left; an unknown id takes one.
      expect((await post(tenant, randomUUID(), signed(hook))).status).toBe(404);
      const last = await post(tenant, neighbour.id, signed(neighbour));
      expect(last.status).toBe(202);
      expect(last.headers.get("RateLimit-Remaining")).toBe("0");
      const tenantRefused = await post(tenant, neighbour.id, signed(neighbour));
      expect(tenantRefused.status).toBe(429);
      expect(await tenantRefused.json()).toMatchObject({ reason: "rate_limited" });
      expect(await inboxOf(neighbour.id, tenant)).toHaveLength(1);
    } finally {
      await dropTenantsQuietly([tenant]);
    }
  });
});

// ---------------------------------------------------------------- processing

describe("objectOfEvent", () => {
  it("finds the object an event is about, else keys by the event", () => {
    expect(objectOfEvent("stripe", { id: "evt_1", data: { object: { id: "cus_1", x: 1 } } }, "evt_1")).toEqual({
      externalId: "cus_1",
      data: { id: "cus_1", x: 1 },
    });
    // Stripe's own event id is not the object.
    expect(objectOfEvent("stripe", { id: "evt_1", data: {} }, "evt_1")).toEqual({ externalId: "event:evt_1", data: { id: "evt_1", data: {} } });
    expect(objectOfEvent("standard-webhooks", { type: "t", data: { id: "c_1" } }, "msg_1")).toEqual({ externalId: "c_1", data: { id: "c_1" } });
    expect(objectOfEvent("standard-webhooks", { type: "t", data: { id: 42 } }, "msg_1").externalId).toBe("42");
    expect(objectOfEvent("hmac-sha256", { id: "ord_1", total: 3 }, "x").externalId).toBe("ord_1");
    expect(objectOfEvent("github", { action: "opened" }, "d-1")).toEqual({ externalId: "event:d-1", data: { action: "opened" } });
    expect(objectOfEvent("github", [1, 2], "d-2").externalId).toBe("event:d-2");
    expect(objectOfEvent("hmac-sha256", { id: "x".repeat(300) }, "d-3").externalId).toBe("event:d-3");
  });
});

describe("processing steps", () => {
  it("applies a Stripe event's data.object; a second run finds it unchanged and writes no audit row", async () => {
    const hook = await newHook("stripe");
    const customer = `cus_${randomUUID().slice(0, 8)}`;
    const payload = (name: string) => JSON.stringify({ id: `evt_${randomUUID()}`, type: "customer.updated", data: { object: { id: customer, name } } });
    const eventId = await storedEvent(hook, payload("Ada"));

    // One transaction: the record is upserted and the row marked processed.
    expect(await applyWebhookEvent(slug, eventId)).toEqual({ alreadyProcessed: false, forwards: false, externalId: customer, outcome: "created" });
    const { rows } = await raw.query(`SELECT external_id, source, data FROM "${schemaNameFor(slug)}".synced_records WHERE integration_id = $1`, [hook.id]);
    expect(rows).toEqual([{ external_id: customer, source: "webhook", data: { id: customer, name: "Ada" } }]);
    expect(await auditRows(raw, slug, "action = 'synced_record.created' AND changes->>'external_id' = $1", [customer])).toHaveLength(1);
    const done = await inboxRow(eventId);
    expect(done).toMatchObject({ status: "processed", attempts: 1, last_error: null });
    expect(done.processed_at).toBeInstanceOf(Date);

    // Applying it again (a retried step) changes nothing and writes no audit row.
    const mark = await auditHighWater(raw, slug);
    expect(await applyWebhookEvent(slug, eventId)).toEqual({ alreadyProcessed: true, forwards: false, externalId: null, outcome: null });
    // markProcessed again is a no-op (still one attempt).
    await markProcessed(slug, eventId);
    expect((await inboxRow(eventId)).attempts).toBe(1);
    expect(await auditHighWater(raw, slug)).toBe(mark);

    // A redelivered event with the same data (another provider id) leaves the record unchanged.
    const same = await storedEvent(hook, payload("Ada"));
    expect(await applyWebhookEvent(slug, same)).toMatchObject({ externalId: customer, outcome: "unchanged" });
    expect(await auditRows(raw, slug, "action LIKE 'synced_record.%' AND seq > $1", [mark])).toHaveLength(0);

    // A later event about the same customer with new data updates the record.
    const later = await storedEvent(hook, payload("Ada Lovelace"));
    expect(await applyWebhookEvent(slug, later)).toMatchObject({ externalId: customer, outcome: "updated" });
    const [updated] = await auditRows(raw, slug, "action = 'synced_record.updated' AND seq > $1", [mark]);
    expect(updated!.changes).toMatchObject({ data: { before: { id: customer, name: "Ada" }, after: { id: customer, name: "Ada Lovelace" } } });
  });

  it("standard-webhooks keys by data.id; an event without an object id by the event id", async () => {
    const sw = await newHook("standard-webhooks");
    const swEvent = await storedEvent(sw, JSON.stringify({ type: "contact.created", data: { id: "c_77", email: "c@x.test" } }));
    expect(await applyWebhookEvent(slug, swEvent)).toMatchObject({ externalId: "c_77", outcome: "created" });

    const gh = await newHook("github");
    const d = signed(gh, { body: JSON.stringify({ action: "opened" }) });
    const ghEvent = (await receive(gh.id, d)).id;
    expect(await applyWebhookEvent(slug, ghEvent)).toMatchObject({ externalId: `event:${d.providerId}`, outcome: "created" });
    const { rows } = await raw.query(`SELECT data FROM "${schemaNameFor(slug)}".synced_records WHERE integration_id = $1`, [gh.id]);
    expect(rows).toEqual([{ data: { action: "opened" } }]);
  });

  it("a body that is not JSON cannot be processed", async () => {
    const hook = await newHook("hmac-sha256");
    const eventId = await storedEvent(hook, "this is <not> json");
    expect((await inboxRow(eventId)).event_type).toBeNull();
    const err = await rejectionOf(applyWebhookEvent(slug, eventId));
    expect(err).toBeInstanceOf(UnprocessableEventError);
    expect(await countRows(raw, slug, "synced_records", "integration_id = $1", [hook.id])).toBe(0);
    expect(await rejectionOf(applyWebhookEvent(slug, randomUUID()))).toBeInstanceOf(UnprocessableEventError);
    expect((await inboxRow(eventId)).status).toBe("received");
  });

  it("a body PostgreSQL's jsonb cannot store, or nested too deep to serialise, cannot be processed", async () => {
    const hook = await newHook("hmac-sha256");
    const bodies = {
      nul: ['{"data":{"id":"n1","v":"a\\u0000b"}}', /cannot store/],
      loneSurrogate: ['{"data":{"id":"s1","v":"\\ud800"}}', /cannot store/],
      key: ['{"data":{"id":"k1","\\udc00":1}}', /cannot store/],
      deep: [`{"data":{"id":"d1","v":${"[".repeat(5000)}${"]".repeat(5000)}}}`, /deeper than 64 levels/],
    } as const;
    for (const [name, [body, reason]] of Object.entries(bodies)) {
      const eventId = await storedEvent(hook, body);
      const err = await rejectionOf(applyWebhookEvent(slug, eventId));
      expect(err, name).toBeInstanceOf(UnprocessableEventError);
      expect((err as Error).message, name).toMatch(reason);
    }
    expect(await countRows(raw, slug, "synced_records", "integration_id = $1", [hook.id])).toBe(0);
    // What jsonb does store passes: a paired surrogate, an escaped backslash before u0000.
    const fine = await storedEvent(hook, '{"data":{"id":"ok1","v":"\\ud83d\\ude00 \\\\u0000"}}');
    expect(await applyWebhookEvent(slug, fine)).toMatchObject({ externalId: "ok1", outcome: "created" });
    const { rows } = await raw.query(`SELECT data FROM "${schemaNameFor(slug)}".synced_records WHERE integration_id = $1`, [hook.id]);
    expect(rows).toEqual([{ data: { id: "ok1", v: "\u{1F600} \\u0000" } }]);
  });

  it("records failed attempts, then the dead-letter state", async () => {
    const hook = await newHook("github");
    const eventId = await storedEvent(hook);
    await markAttemptFailed(slug, eventId, "upstream said 503");
    expect(await inboxRow(eventId)).toMatchObject({ status: "failed", attempts: 1, last_error: "upstream said 503" });
    await markAttemptFailed(slug, eventId, "x".repeat(5000));
    const twice = await inboxRow(eventId);
    expect(twice).toMatchObject({ status: "failed", attempts: 2 });
    expect(twice.last_error).toHaveLength(1000);

    await markDead(slug, eventId, "retries exhausted");
    expect(await inboxRow(eventId)).toMatchObject({ status: "dead", attempts: 2, last_error: "retries exhausted" });
    // A late failure report does not revive a dead row.
    await markAttemptFailed(slug, eventId, "late");
    expect(await inboxRow(eventId)).toMatchObject({ status: "dead", attempts: 2 });

    // A processed row is never marked dead.
    const ok = await storedEvent(hook);
    await markProcessed(slug, ok);
    await markDead(slug, ok, "too late");
    expect(await inboxRow(ok)).toMatchObject({ status: "processed", last_error: null });
  });
});

describe("forwarding to a rest integration", () => {
  it("posts the processed event to the target with its token and the inbox id as idempotency key", async () => {
    const api = await startLocalApi((_req, res) => sendJson(res, 201, { ok: true }));
    try {
      const target = await createIntegration(
        slug,
        { name: "Forward target", kind: "rest", settings: { baseUrl: `${api.url}/v1`, rateLimitPerMinute: 10_000 }, token: "fwd-token-1" },
        ctx,
      );
      const hook = await newHook("stripe", { forwardTo: { integrationId: target.integration.id, path: "/inbound" } });
      const d = signed(hook);
      const { id } = await receive(hook.id, d);
      // Forwarded events stay `processing` after apply until the forward is done.
      expect(await applyWebhookEvent(slug, id)).toMatchObject({ alreadyProcessed: false, forwards: true });
      expect((await inboxRow(id)).status).toBe("processing");
      expect(await forwardWebhookEvent(slug, id)).toEqual({ status: 201 });

      expect(api.hits).toHaveLength(1);
      const hit = api.hits[0]!;
      expect(hit).toMatchObject({ method: "POST", authorization: "Bearer fwd-token-1" });
      expect(hit.url.pathname).toBe("/v1/inbound");
      expect(hit.headers["idempotency-key"]).toBe(id);
      const row = await inboxRow(id);
      expect(JSON.parse(hit.body)).toEqual({
        id,
        type: "customer.updated",
        receivedAt: row.received_at.toISOString(),
        payload: JSON.parse(d.body.toString("utf8")),
      });

      // Without forwardTo there is nothing to do.
      const plain = await newHook("stripe");
      expect(await forwardWebhookEvent(slug, await storedEvent(plain))).toBeNull();
    } finally {
      await api.close();
    }
  });
});

// ---------------------------------------------------------------- replay

describe("replay", () => {
  it("puts dead events back to received and offers them under a fresh event id, audited", async () => {
    const hook = await newHook("stripe");
    const dead = await storedEvent(hook);
    const processed = await storedEvent(hook);
    await markAttemptFailed(slug, dead, "boom");
    await markDead(slug, dead, "boom");
    await markProcessed(slug, processed);
    const dispatchedBefore = (await inboxRow(dead)).dispatched_at!;
    const sentBefore = engine.events.length;

    const result = await replayEvents(slug, hook.id, { ids: [dead] }, adminActor);
    expect(result).toEqual({ replayed: 1, dispatched: 1, ids: [dead], skipped: [] });
    const row = await inboxRow(dead);
    expect(row.status).toBe("received");
    expect(row.dispatched_at!.getTime()).toBeGreaterThan(dispatchedBefore.getTime());
    const sent = engine.events.slice(sentBefore);
    expect(sent).toEqual([expect.objectContaining({ name: "integration/webhook.received", data: { tenant: slug, integrationId: hook.id, eventId: dead } })]);
    // Generation 1: a new event for the engine, which deduplicates by id.
    expect(sent[0]!.id).toBe(`webhook-${slug}-${dead}-1`);

    const [audit] = await auditRows(raw, slug, "action = 'integration.webhook_replayed' AND target_id = $1", [hook.id]);
    expect(audit).toMatchObject({ actor_type: "user", actor_id: adminActor.actorId });
    expect(audit!.metadata).toMatchObject({ eventIds: [dead], count: 1 });

    // Neither the now-received row nor a processed one can be replayed.
    for (const ids of [[dead], [processed], [randomUUID()]]) {
      await appError(replayEvents(slug, hook.id, { ids }, adminActor), "conflict");
    }
    expect((await inboxRow(processed)).status).toBe("processed");
    expect(await auditRows(raw, slug, "action = 'integration.webhook_replayed' AND target_id = $1", [hook.id])).toHaveLength(1);
  });

  it("without ids replays every dead event of the integration (failed ones on request), and nothing of another", async () => {
    const hook = await newHook("github");
    const neighbour = await newHook("github");
    const [a, b, failed, theirs] = [await storedEvent(hook), await storedEvent(hook), await storedEvent(hook), await storedEvent(neighbour)];
    for (const id of [a, b, theirs]) await markDead(slug, id, "dead");
    await markAttemptFailed(slug, failed, "flaky");

    const all = await replayEvents(slug, hook.id, {}, ctx);
    expect(new Set(all.ids)).toEqual(new Set([a, b]));
    expect(all).toMatchObject({ replayed: 2, dispatched: 2 });
    expect((await inboxRow(theirs)).status).toBe("dead");
    expect((await inboxRow(failed)).status).toBe("failed");

    const f = await replayEvents(slug, hook.id, { statuses: ["failed"] }, ctx);
    expect(f.ids).toEqual([failed]);
    // Asked for a replayable and an unreplayable id, it replays the one and answers only its id.
    await markDead(slug, a, "dead again");
    const mixed = await replayEvents(slug, hook.id, { ids: [a, theirs] }, ctx);
    expect(mixed).toMatchObject({ replayed: 1, ids: [a] });
    // Another integration's dead event is not in this inbox.
    await appError(replayEvents(slug, hook.id, { ids: [theirs] }, ctx), "conflict");
    expect((await inboxRow(theirs)).status).toBe("dead");
  });

  it("refuses bad input and paused integrations", async () => {
    const hook = await newHook("github");
    const dead = await storedEvent(hook);
    await markDead(slug, dead, "dead");
    await appError(replayEvents(slug, hook.id, { ids: ["nope"] }, ctx), "bad_request");
    await appError(replayEvents(slug, hook.id, { statuses: ["processed"] }, ctx), "bad_request");
    await appError(replayEvents(slug, hook.id, { ids: [] }, ctx), "bad_request");
    await updateIntegration(slug, hook.id, { status: "paused" }, ctx);
    await appError(replayEvents(slug, hook.id, { ids: [dead] }, ctx), "conflict");
    expect((await inboxRow(dead)).status).toBe("dead");
  });
});

// ---------------------------------------------------------------- listing

describe("listing the inbox", () => {
  it("newest first, filtered by status, paginated without gaps or repeats (ties on received_at included)", async () => {
    const hook = await newHook("hmac-sha256");
    const received: string[] = [];
    for (let i = 0; i < 3; i++) received.push(await storedEvent(hook));
    // Five rows with one and the same received_at, to exercise the id tie-breaker.
    const at = new Date(Date.now() - 60_000);
    await withAudit(slug, ctx, (tx) =>
      tx.webhookEvent.createMany({
        data: Array.from({ length: 5 }, (_, i) => {
          const body = Buffer.from(`{"n":${i}}`);
          return {
            integrationId: hook.id,
            providerEventId: `tie-${i}`,
            body: new Uint8Array(body),
            bodySha256: sha256(body),
            receivedAt: at,
            dispatchedAt: at,
          };
        }),
      }),
    );
    await markDead(slug, received[1]!, "dead");

    const { rows: expected } = await raw.query<{ id: string }>(
      `SELECT id FROM "${schemaNameFor(slug)}".webhook_events WHERE integration_id = $1 ORDER BY received_at DESC, id DESC`,
      [hook.id],
    );
    expect(expected).toHaveLength(8);
    expect(expected.slice(0, 3).map((r) => r.id)).toEqual([...received].reverse());

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listInboxEvents(slug, hook.id, { limit: "3", ...(cursor ? { cursor } : {}) });
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.data.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected.map((r) => r.id));

    const first = (await listInboxEvents(slug, hook.id, {})).data[0]!;
    expect(first).toMatchObject({ id: received[2], status: "received", attempts: 0, lastError: null, dispatchedAt: expect.any(String) });
    expect(first.size).toBe((await inboxRow(received[2]!)).body.length);

    const dead = await listInboxEvents(slug, hook.id, { status: "dead" });
    expect(dead).toEqual({ data: [expect.objectContaining({ id: received[1], status: "dead", lastError: "dead" })], nextCursor: null });

    await appError(listInboxEvents(slug, hook.id, { cursor: "garbage" }), "bad_request");
    await appError(listInboxEvents(slug, hook.id, { status: "lost" }), "bad_request");
    await appError(listInboxEvents(slug, hook.id, { limit: 0 }), "bad_request");
  });

  it("returns one event with its body as text, or base64 when it is not UTF-8", async () => {
    const hook = await newHook("standard-webhooks");
    const d = signed(hook);
    const { id } = await receive(hook.id, d);
    const event = await getInboxEvent(slug, hook.id, id);
    expect(event).toMatchObject({ id, providerEventId: d.providerId, bodyEncoding: "utf8", body: d.body.toString("utf8"), size: d.body.length });
    expect(event.headers).toMatchObject({ "webhook-id": d.providerId, "webhook-timestamp": expect.any(String) });
    expect(JSON.stringify(event.headers)).not.toContain("webhook-signature");

    const bin = await newHook("hmac-sha256");
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]);
    const binId = (await receive(bin.id, { headers: signWebhook("hmac-sha256", bin.secret, bytes, { id: "bin-1" }), body: bytes, providerId: "bin-1" })).id;
    const binary = await getInboxEvent(slug, bin.id, binId);
    expect(binary.bodyEncoding).toBe("base64");
    expect(Buffer.compare(Buffer.from(binary.body, "base64"), bytes)).toBe(0);

    // The event is only found under its own integration.
    await appError(getInboxEvent(slug, bin.id, id), "not_found");
    await appError(getInboxEvent(slug, hook.id, "not-a-uuid"), "not_found");
    await appError(getInboxEvent(slug, hook.id, randomUUID()), "not_found");
  });
});

// ---------------------------------------------------------------- health

describe("health of a webhook integration", () => {
  it("counts processed against dead in the window, and the backlog", async () => {
    const hook = await newHook("github");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await storedEvent(hook));
    const [p1, p2, dead, failed] = ids as [string, string, string, string, string];
    for (const id of [p1, p2]) await markProcessed(slug, id);
    await markAttemptFailed(slug, dead, "first");
    await markDead(slug, dead, "gave up");
    await markAttemptFailed(slug, failed, "timeout upstream");

    const health = await integrationHealth(slug, hook.id);
    expect(health).toMatchObject({
      integrationId: hook.id,
      status: "active",
      total: 3,
      successes: 2,
      circuit: null,
      lastError: "timeout upstream",
      inbox: { backlog: 2, failed: 1, dead: 1, undispatched: 0 },
    });
    expect(health.successRate).toBeCloseTo(2 / 3, 5);
    expect(health.p95LatencyMs).toEqual(expect.any(Number));
    expect(health.lastSuccessAt).not.toBeNull();

    // Two hours on, nothing finished inside the window; the backlog still shows.
    const later = await integrationHealth(slug, hook.id, new Date(Date.now() + 2 * 3600_000));
    expect(later).toMatchObject({ total: 0, successes: 0, successRate: null, p95LatencyMs: null, inbox: { backlog: 2, dead: 1 } });

    const empty = await integrationHealth(slug, (await newHook("github")).id);
    expect(empty).toMatchObject({
      total: 0,
      successRate: null,
      lastError: null,
      lastSuccessAt: null,
      inbox: { backlog: 0, failed: 0, dead: 0, undispatched: 0 },
    });
  });
});

// ---------------------------------------------------------------- cross-tenant

describe("tenant isolation of the inbox", () => {
  it("another tenant's integration and event ids are not_found everywhere", async () => {
    const hook = await newHook("github");
    const eventId = await storedEvent(hook);
    await markDead(slug, eventId, "dead");
    const mine = await newHook("github", undefined, otherSlug);

    await appError(listInboxEvents(otherSlug, hook.id, {}), "not_found");
    await appError(getInboxEvent(otherSlug, hook.id, eventId), "not_found");
    await appError(getInboxEvent(otherSlug, mine.id, eventId), "not_found");
    await appError(integrationHealth(otherSlug, hook.id), "not_found");
    await appError(replayEvents(otherSlug, hook.id, { ids: [eventId] }, ctx), "not_found");
    await appError(replayEvents(otherSlug, mine.id, { ids: [eventId] }, ctx), "conflict");
    // Processing steps run on the tenant named in the event: another tenant's id finds nothing there.
    expect(await rejectionOf(applyWebhookEvent(otherSlug, eventId))).toBeInstanceOf(UnprocessableEventError);
    await markDead(otherSlug, eventId, "not yours");
    await markAttemptFailed(otherSlug, eventId, "not yours");

    expect(await inboxRow(eventId)).toMatchObject({ status: "dead", last_error: "dead", attempts: 0 });
    expect((await listInboxEvents(otherSlug, mine.id, {})).data).toEqual([]);
  });
});

// ---------------------------------------------------------------- audit

describe("the audit trail of the inbox", () => {
  it("never holds a webhook body or its headers", async () => {
    // Every kind of write an inbox row sees, at least once.
    const hook = await newHook("standard-webhooks");
    const eventId = await storedEvent(hook);
    await markAttemptFailed(slug, eventId, "once");
    await markDead(slug, eventId, "dead");
    await replayEvents(slug, hook.id, { ids: [eventId] }, ctx);
    await applyWebhookEvent(slug, eventId);
    const mine = await auditRows(raw, slug, "action LIKE 'webhook_event.%' AND target_id = $1", [eventId]);
    expect(mine.map((r) => r.action)).toEqual(["webhook_event.created", ...Array(4).fill("webhook_event.updated")]);

    const rows = await auditRows(raw, slug, "action LIKE 'webhook_event.%'");
    for (const r of rows) {
      expect(Object.keys(r.changes ?? {})).not.toContain("body");
      expect(Object.keys(r.changes ?? {})).not.toContain("headers");
    }
    // Not even as text: the distinctive payload text never reaches the log.
    const { rows: hits } = await raw.query(
      `SELECT count(*)::int AS n FROM "${schemaNameFor(slug)}".audit_log
        WHERE (action LIKE 'webhook_event.%' OR action LIKE 'integration.%') AND (changes::text LIKE '%Zoë%' OR metadata::text LIKE '%Zoë%')`,
    );
    expect(hits[0].n).toBe(0);
  });
});

// ---------------------------------------------------------------- engine down

describe("when the workflow engine is down", () => {
  it("keeps the row undispatched, and the reconciler hands it over once the engine is back", async () => {
    // The reconciler's own numbers are asserted: this process's recovery loop (which would
    // hand the rows over by itself within seconds) stays out of it.
    setInboxRecovery(false);
    onTestFinished(() => setInboxRecovery(true));
    const hook = await newHook("stripe");
    const old = await storedEvent(hook);
    await markDead(slug, old, "dead");
    // The engine "down" is a second intake that answers 503: sends still retrying when the
    // test moves on keep going there, never to the engine that comes back.
    const downEngine = await startFakeEngine();
    downEngine.down = true;
    const backUp = patchEnv({ INNGEST_BASE_URL: downEngine.url });
    try {
      const result = await receive(hook.id, signed(hook));
      expect(result).toEqual({ id: expect.any(String), duplicate: false, dispatched: false });
      expect(downEngine.requests).toBeGreaterThan(0);
      const row = await inboxRow(result.id);
      expect(row).toMatchObject({ status: "received", dispatched_at: null });

      // A replay while the engine is down: back to received, waiting for the reconciler.
      expect(await replayEvents(slug, hook.id, { ids: [old] }, ctx)).toEqual({ replayed: 1, dispatched: 0, ids: [old], skipped: [] });
      expect(await inboxRow(old)).toMatchObject({ status: "received", dispatched_at: null });

      const waiting = await countRows(raw, slug, "webhook_events", "dispatched_at IS NULL");
      expect(waiting).toBeGreaterThanOrEqual(2);
      expect(await reconcileInbox({ minAgeMs: 0, slugs: [slug] })).toEqual({ tenants: 1, found: waiting, dispatched: 0 });
      // Too young for a reconciler that waits a minute.
      expect(await reconcileInbox({ minAgeMs: 60_000, slugs: [slug] })).toEqual({ tenants: 1, found: 0, dispatched: 0 });
      expect(downEngine.events).toEqual([]);
    } finally {
      backUp();
      await downEngine.close();
    }
    const waiting = await countRows(raw, slug, "webhook_events", "dispatched_at IS NULL");
    const sentBefore = engine.events.length;
    expect(await reconcileInbox({ minAgeMs: 0, slugs: [slug] })).toEqual({ tenants: 1, found: waiting, dispatched: waiting });
    expect(await countRows(raw, slug, "webhook_events", "dispatched_at IS NOT NULL AND id = ANY($1::uuid[])", [[old]])).toBe(1);
    expect(await countRows(raw, slug, "webhook_events", "dispatched_at IS NULL")).toBe(0);
    const sent = engine.events.slice(sentBefore);
    const fresh = await inboxOf(hook.id);
    const newest = fresh.find((r) => r.id !== old)!;
    // A row the engine never saw goes under its deterministic id (the engine dedupes a second offer).
    expect(sent).toContainEqual(
      expect.objectContaining({
        name: "integration/webhook.received",
        id: `webhook-${slug}-${newest.id}-0`,
        data: { tenant: slug, integrationId: hook.id, eventId: newest.id },
      }),
    );
    const reoffered = sent.filter((e) => e.data.eventId === old);
    expect(reoffered).toHaveLength(1);
    replayReoffer = { originalId: `webhook-${slug}-${old}-0`, reofferedId: reoffered[0]!.id };
    // Nothing left to do.
    expect(await reconcileInbox({ minAgeMs: 0, slugs: [slug] })).toEqual({ tenants: 1, found: 0, dispatched: 0 });
  });

  // A replay whose own send failed is re-offered by the reconciler under the replay's
  // id (generation 1), not the original one the engine already ran and would drop as
  // a duplicate (event ids are idempotency keys).
  it("re-offers a replay the engine missed under the replay's event id", () => {
    expect(replayReoffer).toBeDefined();
    expect(replayReoffer!.reofferedId).not.toBe(replayReoffer!.originalId);
    expect(replayReoffer!.reofferedId).toBe(replayReoffer!.originalId.replace(/-0$/, "-1"));
  });
});
