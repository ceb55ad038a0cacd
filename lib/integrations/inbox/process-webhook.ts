// What the process-webhook workflow does to one inbox row, in steps that are each safe
// to run again: apply (upsert the event's object into synced records and, unless the
// event is forwarded, mark the row processed, in one transaction), then, when the
// integration forwards, forward (to a rest integration, with the inbox id as idempotency
// key) and complete.
// A failed attempt is written on the row (failed, attempts, last error) before the
// engine retries; the failure handler marks the row dead.
import { raiseIntegrationAlert } from "@/lib/alerts/incidents";
import { systemContext, type AuditContext } from "@/lib/audit/context";
import { observeProcessed } from "./metrics";
import { withAudit } from "@/lib/audit/with-audit";
import { tenantDb } from "@/lib/db/tenant-client";
import { callIntegration } from "../outbound/client";
import { loadIntegration } from "../integrations";
import { outboundTargetOf } from "../outbound-target";
import { maxExternalIdLength, upsertRecord, type UpsertOutcome } from "../records/upsert-record";
import { webhookSettingsSchema } from "../settings";
import { parsePayload } from "./parse-payload";
import { UnprocessableEventError } from "./unprocessable-event";

export const processorContext: AuditContext = systemContext("webhook processor");
export const maxErrorLength = 1000;

function idOf(v: unknown): string | null {
  if (typeof v === "string" && v.length > 0 && v.length <= maxExternalIdLength) return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
}

function field(v: unknown, key: string): unknown {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
}

/**
 * The object an event is about, and its id: Stripe's `data.object`, the Standard
 * Webhooks convention `data`, or the payload itself; without an id, the event itself
 * (keyed by the provider's event id) is the record.
 */
export function objectOfEvent(scheme: string, payload: unknown, providerEventId: string): { externalId: string; data: unknown } {
  const candidates = scheme === "stripe" ? [field(field(payload, "data"), "object")] : [field(payload, "data"), payload];
  for (const c of candidates) {
    const id = idOf(field(c, "id"));
    if (id) return { externalId: id, data: c };
  }
  return { externalId: `event:${providerEventId}`.slice(0, maxExternalIdLength), data: payload };
}

export interface Applied {
  alreadyProcessed: boolean;
  forwards: boolean;
  externalId: string | null;
  outcome: UpsertOutcome | null;
}

export async function applyWebhookEvent(slug: string, eventId: string): Promise<Applied> {
  const row = await tenantDb(slug).webhookEvent.findUnique({
    where: { id: eventId },
    select: {
      status: true,
      body: true,
      providerEventId: true,
      integrationId: true,
      receivedAt: true,
      integration: { select: { scheme: true, settings: true } },
    },
  });
  if (!row) throw new UnprocessableEventError(`inbox row ${eventId} does not exist (integration deleted?)`);
  if (row.status === "processed") return { alreadyProcessed: true, forwards: false, externalId: null, outcome: null };
  const payload = parsePayload(row.body);
  const forwards = Boolean(webhookSettingsSchema.safeParse(row.integration.settings).data?.forwardTo);
  const { externalId, data } = objectOfEvent(row.integration.scheme ?? "", payload, row.providerEventId);
  const outcome = await withAudit(slug, processorContext, async (tx) => {
    const result = await upsertRecord(tx, slug, { integrationId: row.integrationId, externalId, data, source: "webhook" });
    await tx.webhookEvent.updateMany({
      where: { id: eventId, status: { not: "processed" } },
      data: forwards ? { status: "processing" } : processedUpdate(),
    });
    return result;
  });
  if (!forwards) observeProcessed(row.receivedAt);
  return { alreadyProcessed: false, forwards, externalId, outcome };
}

export async function forwardWebhookEvent(slug: string, eventId: string): Promise<{ status: number } | null> {
  const db = tenantDb(slug);
  const row = await db.webhookEvent.findUnique({
    where: { id: eventId },
    select: { body: true, eventType: true, receivedAt: true, integration: { select: { settings: true } } },
  });
  if (!row) throw new UnprocessableEventError(`inbox row ${eventId} does not exist`);
  const forwardTo = webhookSettingsSchema.parse(row.integration.settings).forwardTo;
  if (!forwardTo) return null;
  const target = await loadIntegration(slug, forwardTo.integrationId).catch(() => {
    throw new UnprocessableEventError(`the forward target ${forwardTo.integrationId} no longer exists`);
  });
  const payload = parsePayload(row.body);
  const response = await callIntegration(
    outboundTargetOf(slug, target),
    {
      method: "POST",
      path: forwardTo.path,
      json: { id: eventId, type: row.eventType, receivedAt: row.receivedAt.toISOString(), payload },
      idempotencyKey: eventId,
    },
    processorContext,
  );
  return { status: response.status };
}

/** Writes a failed attempt on the row; returns the row's attempts so far (0 when it is gone or done). */
export async function markAttemptFailed(slug: string, eventId: string, error: string): Promise<number> {
  return withAudit(slug, processorContext, async (tx) => {
    const { count } = await tx.webhookEvent.updateMany({
      where: { id: eventId, status: { in: ["received", "processing", "failed"] } },
      data: { status: "failed", attempts: { increment: 1 }, lastError: error.slice(0, maxErrorLength) },
    });
    if (!count) return 0;
    const row = await tx.webhookEvent.findUnique({ where: { id: eventId }, select: { attempts: true } });
    return row?.attempts ?? 0;
  });
}

function processedUpdate() {
  return { status: "processed", attempts: { increment: 1 }, processedAt: new Date(), lastError: null };
}

export async function markProcessed(slug: string, eventId: string): Promise<void> {
  const receivedAt = await withAudit(slug, processorContext, async (tx) => {
    const { count } = await tx.webhookEvent.updateMany({ where: { id: eventId, status: { not: "processed" } }, data: processedUpdate() });
    if (!count) return null;
    return (await tx.webhookEvent.findUnique({ where: { id: eventId }, select: { receivedAt: true } }))?.receivedAt ?? null;
  });
  if (receivedAt) observeProcessed(receivedAt);
}

/** The dead-letter state: retries are exhausted or the event cannot be processed; an admin may replay it. */
export async function markDead(slug: string, eventId: string, error: string): Promise<void> {
  const dead = await withAudit(slug, processorContext, async (tx) => {
    const before = await tx.webhookEvent.findUnique({
      where: { id: eventId },
      select: { status: true, providerEventId: true, integration: { select: { id: true, name: true } } },
    });
    const done = await tx.webhookEvent.updateMany({
      where: { id: eventId, status: { not: "processed" } },
      data: { status: "dead", lastError: error.slice(0, maxErrorLength) },
    });
    // Newly dead only: marking a dead row again (a repeated failure handler) alerts nothing.
    return done.count && before && before.status !== "dead" ? before : null;
  });
  // Dead letters are an alert (lib/alerts/): a notice and an email, once per incident.
  if (dead)
    await raiseIntegrationAlert(slug, processorContext, {
      kind: "dead_letters",
      integrationId: dead.integration.id,
      integrationName: dead.integration.name,
      title: `Integration "${dead.integration.name}" has dead letters`,
      body:
        `Event ${dead.providerEventId} could not be processed and was set aside (last error: ${error.slice(0, 300)}). ` +
        "Further events are still processed. Replay the dead events from the integration's inbox once the cause is fixed.",
    });
}
