// The reconciler: inbox rows that were accepted (2xx) but never acknowledged by the
// workflow engine (engine down, process killed between commit and send) are offered
// again. Runs as a cron function and once at server start-up.
import { tenantDb } from "@/lib/db/tenant-client";
import { listTenants } from "@/lib/tenancy/list-tenants";
import { dispatchInboxRows } from "./dispatch";

const batchSize = 200;

export interface ReconcileResult {
  tenants: number;
  found: number;
  dispatched: number;
}

/**
 * `minAgeMs` leaves alone rows so young that the request that stored them may still be
 * sending them (a second send would be harmless: the engine deduplicates by event id).
 */
export async function reconcileInbox(opts: { minAgeMs: number; slugs?: string[] }): Promise<ReconcileResult> {
  const slugs = opts.slugs ?? (await listTenants()).filter((t) => t.status === "active").map((t) => t.slug);
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
