// Applies a batch of one tenant's inbox rows (what the batched engine function hands
// over): the objects of all applicable events are upserted into synced records by ONE
// statement and the rows marked processed by another, in one transaction per chunk of 25,
// so a batch costs a handful of round trips and no transaction stays open for long (the
// audit sealer seals in sequence order, so an open transaction holds back the sealing of
// every later row of the tenant, the intake's included). The upsert writes only what changed (data
// hash), so a batch applied twice changes nothing the second time.
// Events are still applied one by one when it matters: a chunk whose statement fails (a
// row PostgreSQL refuses; payloads jsonb cannot store are dead before that, see
// parse-payload) is re-applied event by event, each in its own transaction, and only
// the events that fail are handed on. An event that forwards to a
// rest integration, or whose attempt failed, goes to the per-event workflow (retries,
// dead letter); one that can never be processed is dead-lettered here, alone.
import { observeProcessed } from "./metrics";
import { withAudit } from "@/lib/audit/with-audit";
import { quoteIdent } from "@/lib/db/identifier";
import { tenantDb } from "@/lib/db/tenant-client";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { upsertRecord } from "../records/upsert-record";
import { webhookSettingsSchema } from "../settings";
import { parsePayload } from "./parse-payload";
import { markAttemptFailed, markDead, objectOfEvent, processorContext } from "./process-webhook";
import { log } from "@/lib/observability/logger";

export interface BatchOutcome {
  /** Rows applied and marked processed by this call. */
  processed: string[];
  /** Already processed before (a redelivered or retried batch). */
  skipped: string[];
  /** For the per-event workflow: forwarding events and events whose attempt failed. */
  handOff: string[];
  /** Dead-lettered: cannot be processed however often it is retried. */
  dead: string[];
  /** No such row (the integration was deleted with its inbox). */
  missing: string[];
}

interface Applicable {
  id: string;
  integrationId: string;
  receivedAt: Date;
  externalId: string;
  data: unknown;
}

/** Events applied per transaction (two statements each, whatever the count). */
export const rowsPerTransaction = 25;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Upserts every object (the last event wins for one object) and marks the rows processed: one transaction. */
async function applyAll(slug: string, items: Applicable[]): Promise<void> {
  const schema = quoteIdent(schemaNameFor(slug));
  const records = items.map((it, ord) => ({ integration_id: it.integrationId, external_id: it.externalId, data: it.data ?? null, ord }));
  await withAudit(slug, processorContext, async (tx) => {
    await tx.$executeRawUnsafe(
      `INSERT INTO ${schema}.synced_records AS r (id, integration_id, external_id, source, data, data_sha256, updated_at)
       SELECT gen_random_uuid(), i.integration_id, i.external_id, 'webhook', i.data, encode(sha256(convert_to(i.data::text, 'UTF8')), 'hex'), now()
         FROM (SELECT DISTINCT ON (x.integration_id, x.external_id) x.integration_id, x.external_id, coalesce(x.data, 'null'::jsonb) AS data
                 FROM jsonb_to_recordset($1::jsonb) AS x(integration_id uuid, external_id text, data jsonb, ord integer)
                ORDER BY x.integration_id, x.external_id, x.ord DESC) i
       ON CONFLICT (integration_id, external_id) DO UPDATE
         SET data = EXCLUDED.data, data_sha256 = EXCLUDED.data_sha256, source = EXCLUDED.source, updated_at = now()
         WHERE r.data_sha256 <> EXCLUDED.data_sha256`,
      JSON.stringify(records),
    );
    await tx.$executeRawUnsafe(
      `UPDATE ${schema}.webhook_events
          SET status = 'processed', attempts = attempts + 1, processed_at = now(), last_error = NULL, updated_at = now()
        WHERE id = ANY($1::uuid[]) AND status <> 'processed'`,
      items.map((it) => it.id),
    );
  });
}

/** One event in its own transaction (the fallback when the batch statement failed). */
async function applyOne(slug: string, it: Applicable): Promise<void> {
  await withAudit(slug, processorContext, async (tx) => {
    await upsertRecord(tx, slug, { integrationId: it.integrationId, externalId: it.externalId, data: it.data, source: "webhook" });
    await tx.webhookEvent.updateMany({
      where: { id: it.id, status: { not: "processed" } },
      data: { status: "processed", attempts: { increment: 1 }, processedAt: new Date(), lastError: null },
    });
  });
}

export async function applyWebhookBatch(slug: string, eventIds: string[]): Promise<BatchOutcome> {
  const out: BatchOutcome = { processed: [], skipped: [], handOff: [], dead: [], missing: [] };
  const ids = [...new Set(eventIds)];
  const rows = await tenantDb(slug).webhookEvent.findMany({
    where: { id: { in: ids } },
    select: {
      id: true,
      status: true,
      body: true,
      providerEventId: true,
      integrationId: true,
      receivedAt: true,
      integration: { select: { scheme: true, settings: true } },
    },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const applicable: Applicable[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (!row) {
      out.missing.push(id);
      continue;
    }
    if (row.status === "processed") {
      out.skipped.push(id);
      continue;
    }
    if (webhookSettingsSchema.safeParse(row.integration.settings).data?.forwardTo) {
      out.handOff.push(id);
      continue;
    }
    let payload: unknown;
    try {
      payload = parsePayload(row.body);
    } catch (err) {
      // The same outcome as the per-event workflow: one failed attempt, then dead.
      await markAttemptFailed(slug, id, errorText(err));
      await markDead(slug, id, errorText(err));
      out.dead.push(id);
      continue;
    }
    const { externalId, data } = objectOfEvent(row.integration.scheme ?? "", payload, row.providerEventId);
    applicable.push({ id, integrationId: row.integrationId, receivedAt: row.receivedAt, externalId, data });
  }
  // Chunks in order (so the later event about an object still wins), each one short
  // transaction: sealing waits for open transactions, and row locks are held until commit.
  for (let i = 0; i < applicable.length; i += rowsPerTransaction) {
    const chunk = applicable.slice(i, i + rowsPerTransaction);
    try {
      await applyAll(slug, chunk);
      observeProcessed(chunk.map((a) => a.receivedAt));
      out.processed.push(...chunk.map((a) => a.id));
      continue;
    } catch (err) {
      log().warn({ component: "inbox", tenant: slug, events: chunk.length, reason: errorText(err) }, "events failed as a group; applying them one by one");
    }
    for (const it of chunk) {
      try {
        await applyOne(slug, it);
        observeProcessed(it.receivedAt);
        out.processed.push(it.id);
      } catch (err) {
        // Its attempt is written on the row; the per-event workflow retries it, and
        // dead-letters it if its attempts run out.
        await markAttemptFailed(slug, it.id, errorText(err)).catch(() => undefined);
        out.handOff.push(it.id);
      }
    }
  }
  return out;
}
