// One page of a sync: fetch it through the outbound client, upsert its items by
// external id, and record the counts and the next cursor on the run in the same
// transaction. Safe to repeat: a repeated page finds its items unchanged.
import { z } from "zod";
import { withAudit } from "@/lib/audit/with-audit";
import { callIntegration } from "../outbound/client";
import { CircuitOpenError } from "../outbound/errors";
import { loadIntegration } from "../integrations";
import { outboundTargetOf } from "../outbound-target";
import { maxExternalIdLength, upsertRecord } from "../records/upsert-record";
import { restSettingsSchema } from "../settings";
import { syncContext } from "./sync-runs";

export class BadSyncResponseError extends Error {
  override name = "BadSyncResponseError";
}

export interface PageResult {
  nextCursor: string | null;
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Set when the run should end here without failing: the circuit is open or the integration paused. */
  stopped?: string;
}

function at(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split(".")) v = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

const cursorSchema = z.union([z.string().max(2000), z.number()]).nullish();

export async function syncPage(slug: string, integrationId: string, runId: string, cursor: string | null): Promise<PageResult> {
  const integration = await loadIntegration(slug, integrationId);
  const empty = { nextCursor: cursor, fetched: 0, created: 0, updated: 0, unchanged: 0 };
  if (integration.status !== "active") return { ...empty, stopped: "the integration is paused" };
  const settings = restSettingsSchema.parse(integration.settings);
  const sync = settings.sync;
  if (!sync) throw new BadSyncResponseError("the integration has no sync configured");

  let response;
  try {
    response = await callIntegration(
      outboundTargetOf(slug, integration),
      { method: "GET", path: sync.path, query: { [sync.pageSizeParam]: String(sync.pageSize), ...(cursor ? { [sync.cursorParam]: cursor } : {}) } },
      syncContext,
    );
  } catch (err) {
    if (err instanceof CircuitOpenError) return { ...empty, stopped: "the circuit is open" };
    throw err;
  }
  let body: unknown;
  try {
    body = response.json<unknown>();
  } catch {
    throw new BadSyncResponseError(`${sync.path} did not answer JSON`);
  }
  const items = at(body, sync.itemsField);
  if (!Array.isArray(items)) throw new BadSyncResponseError(`the response has no array at "${sync.itemsField}"`);
  const next = cursorSchema.safeParse(at(body, sync.nextCursorField));
  if (!next.success) throw new BadSyncResponseError(`the response's "${sync.nextCursorField}" is not a cursor`);
  const nextCursor = next.data === null || next.data === undefined || next.data === "" ? null : String(next.data);
  if (nextCursor !== null && nextCursor === cursor) throw new BadSyncResponseError("the API returned the same cursor again (it would loop)");

  const counts = { created: 0, updated: 0, unchanged: 0 };
  await withAudit(
    slug,
    syncContext,
    async (tx) => {
      for (const item of items) {
        const raw = at(item, sync.idField);
        const externalId = typeof raw === "number" ? String(raw) : raw;
        if (typeof externalId !== "string" || !externalId || externalId.length > maxExternalIdLength) {
          throw new BadSyncResponseError(`an item has no usable "${sync.idField}"`);
        }
        counts[await upsertRecord(tx, slug, { integrationId, externalId, data: item, source: "sync" })]++;
      }
      // Only if the run is still at this page's cursor: a page repeated after its commit
      // (the step's answer was lost) must not count twice.
      await tx.syncRun.updateMany({
        where: { id: runId, cursor },
        data: {
          cursor: nextCursor,
          pages: { increment: 1 },
          fetched: { increment: items.length },
          created: { increment: counts.created },
          updated: { increment: counts.updated },
          unchanged: { increment: counts.unchanged },
        },
      });
    },
    { timeoutMs: 60_000 },
  );
  return { nextCursor, fetched: items.length, ...counts };
}
