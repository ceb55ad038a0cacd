// The reconciler: inbox rows that were accepted (2xx) but never acknowledged by the
// workflow engine (engine down, process killed between commit and send) are offered
// again, and rows the engine acknowledged but lost (still `received` long after their
// dispatch) are re-opened and offered again under the same event id. Runs as a cron
// function and once at server start-up (reconcilePass), and in-process within seconds
// of a failed send (./recovery.ts).
import { auditContextParam, systemContext } from "@/lib/audit/context";
import { quoteIdent } from "@/lib/db/identifier";
import { tenantDb } from "@/lib/db/tenant-client";
import { tableActivity, type TableActivity } from "@/lib/db/table-activity";
import { tenantPool } from "@/lib/db/tenant-pool";
import { serverEnv } from "@/lib/env";
import { listTenants } from "@/lib/tenancy/list-tenants";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { dispatchInboxRows } from "./dispatch";

const batchSize = 200;

/**
 * Age below which the periodic pass (and the start-up one) leaves undispatched rows
 * alone: the request that stored them may still be sending them.
 */
export const periodicMinAgeMs = 30_000;

export interface ReconcileResult {
  tenants: number;
  found: number;
  dispatched: number;
}

const reopenContext = auditContextParam(systemContext("inbox re-dispatch"));

/** How long after its dispatch a `received` row counts as lost by the engine (INBOX_REDISPATCH_AFTER_SECONDS). */
export function redispatchAfterMs(): number {
  return serverEnv().INBOX_REDISPATCH_AFTER_SECONDS * 1000;
}

// Periodic passes scan only the tenants whose inbox was written since a pass found them
// settled (lib/db/table-activity.ts), and every tenant every ten minutes.
const g = globalThis as unknown as { __inboxActivity?: TableActivity };
const inboxActivity = () => (g.__inboxActivity ??= tableActivity("webhook_events", { fullPassEveryMs: 10 * 60_000 }));

/**
 * The tenants a pass works on: the given ones, or every active tenant whose inbox moved
 * since a pass found it settled (no undispatched row, none waiting for the engine). One
 * query tells settled from not; settled tenants cost nothing more.
 */
async function tenantsToScan(slugs?: string[]): Promise<string[]> {
  if (slugs) return slugs;
  const activity = inboxActivity();
  const scan = await activity.toScan((await listTenants()).filter((t) => t.status === "active"));
  const unsettled: string[] = [];
  for (const slug of scan.slugs) {
    const { undispatched, waiting } = await unsettledRows(slug);
    if (undispatched === 0 && waiting === 0) activity.settled(slug, scan.counts.get(slug));
    else unsettled.push(slug);
  }
  return unsettled;
}

/**
 * `minAgeMs` leaves alone rows so young that the request that stored them may still be
 * sending them (a second send would be harmless: the engine deduplicates by event id).
 */
export async function reconcileInbox(opts: { minAgeMs: number; slugs?: string[] }): Promise<ReconcileResult> {
  const slugs = await tenantsToScan(opts.slugs);
  const olderThan = new Date(Date.now() - opts.minAgeMs);
  const result: ReconcileResult = { tenants: slugs.length, found: 0, dispatched: 0 };
  for (const slug of slugs) {
    for (;;) {
      const rows = await tenantDb(slug).webhookEvent.findMany({
        where: { dispatchedAt: null, receivedAt: { lte: olderThan } },
        orderBy: { receivedAt: "asc" },
        take: batchSize,
        select: { id: true, integrationId: true, generation: true },
      });
      if (!rows.length) break;
      result.found += rows.length;
      const sent = await dispatchInboxRows(slug, rows);
      result.dispatched += sent;
      // The engine is not answering: stop here, the next pass tries again.
      if (sent < rows.length || rows.length < batchSize) break;
    }
  }
  return result;
}

/**
 * Rows still `received` more than `afterMs` after the engine acknowledged them go back to
 * undispatched (same generation, so the same engine event id): the next reconcile sends
 * them again. Returns how many were re-opened.
 */
export async function reopenStuckRows(opts: { afterMs?: number; slugs?: string[] } = {}): Promise<number> {
  const slugs = await tenantsToScan(opts.slugs);
  const before = new Date(Date.now() - (opts.afterMs ?? redispatchAfterMs()));
  let reopened = 0;
  for (const slug of slugs) {
    const fn = `${quoteIdent(schemaNameFor(slug))}.webhook_reopen_stuck`;
    const pool = await tenantPool(slug);
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(`SELECT ${fn}($1, $2, $3) AS n`, [reopenContext, before, batchSize]);
      const n = rows[0]?.n ?? 0;
      reopened += n;
      if (n < batchSize) break;
    }
  }
  return reopened;
}

/** The periodic pass (cron, start-up): lost rows re-opened, then every undispatched row old enough offered. */
export async function reconcilePass(opts: { slugs?: string[] } = {}): Promise<ReconcileResult & { reopened: number }> {
  const slugs = await tenantsToScan(opts.slugs);
  const reopened = await reopenStuckRows({ slugs });
  return { ...(await reconcileInbox({ minAgeMs: periodicMinAgeMs, slugs })), reopened };
}

/** Rows of the tenant not yet handed over for good: undispatched, or dispatched and still `received`. */
export async function unsettledRows(slug: string): Promise<{ undispatched: number; waiting: number }> {
  const { rows } = await (
    await tenantPool(slug)
  ).query<{ undispatched: number; waiting: number }>(
    `SELECT count(*) FILTER (WHERE dispatched_at IS NULL)::int AS undispatched,
            count(*) FILTER (WHERE status = 'received' AND dispatched_at IS NOT NULL)::int AS waiting
       FROM ${quoteIdent(schemaNameFor(slug))}.webhook_events
      WHERE dispatched_at IS NULL OR status = 'received'`,
  );
  return rows[0] ?? { undispatched: 0, waiting: 0 };
}
