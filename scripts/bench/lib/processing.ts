// Waits until the webhooks a bench delivered are processed by the workflow engine:
// counts of the tenants' inboxes (one query over all their schemas) until every stored
// event is processed or dead, or the deadline passes.
import { quoteIdent } from "@/lib/db/identifier";
import { getPool } from "@/lib/db/pool";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { sleep } from "./app";

export interface InboxCounts {
  stored: number;
  processed: number;
  dead: number;
  /** processed_at of the last processed event (epoch ms), or null. */
  lastProcessedAt: number | null;
}

export async function inboxCounts(slugs: string[]): Promise<InboxCounts> {
  const parts = slugs.map(
    (s) => `SELECT count(*)::int AS stored, count(*) FILTER (WHERE status = 'processed')::int AS processed,
      count(*) FILTER (WHERE status = 'dead')::int AS dead, max(processed_at) AS last FROM ${quoteIdent(schemaNameFor(s))}.webhook_events`,
  );
  const { rows } = await getPool().query<{ stored: number; processed: number; dead: number; last: Date | null }>(parts.join(" UNION ALL "));
  const out: InboxCounts = { stored: 0, processed: 0, dead: 0, lastProcessedAt: null };
  for (const r of rows) {
    out.stored += r.stored;
    out.processed += r.processed;
    out.dead += r.dead;
    if (r.last && (out.lastProcessedAt === null || r.last.getTime() > out.lastProcessedAt)) out.lastProcessedAt = r.last.getTime();
  }
  return out;
}

/** Polls until `expected` events are processed (or every stored one is processed or dead), or `timeoutMs` passes. */
export async function waitForProcessing(slugs: string[], expected: number, timeoutMs: number, pollMs = 200): Promise<InboxCounts & { timedOut: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await inboxCounts(slugs);
    if (c.processed >= expected || (c.stored >= expected && c.processed + c.dead >= c.stored)) return { ...c, timedOut: false };
    if (Date.now() >= deadline) return { ...c, timedOut: true };
    await sleep(pollMs);
  }
}
