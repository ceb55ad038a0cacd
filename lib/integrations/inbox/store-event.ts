// Stores a verified delivery: the inbox row and its audit row (written by the row-change
// trigger) in one statement, one round trip, autocommit: no BEGIN/COMMIT, no Prisma.
// The tenant schema's functions set the audit context transaction-locally and insert
// with ON CONFLICT DO NOTHING, saying whether the row was already there.
// Group commit per tenant: deliveries that arrive while the tenant's previous call runs
// are stored together by webhook_intake_many: one transaction, one commit (one WAL
// flush) for all of them. When
// idle a delivery goes out at once (webhook_intake_many with one row), so nothing waits
// for company. If a grouped call fails, its rows are retried one by one
// (webhook_intake), so one bad row fails only its own request.
// Unnamed statements (parsed, bound and run in one round trip), so this stays correct
// behind PgBouncer's transaction pooling, where named prepared statements are not.
import { auditContextParam, type AuditContext } from "@/lib/audit/context";
import { markAuditDirty } from "@/lib/audit/sealer-loop";
import { groupPerKey } from "@/lib/async/group-while-busy";
import { retryOnConnectionLoss } from "@/lib/db/connection-retry";
import { quoteIdent } from "@/lib/db/identifier";
import { tenantPool } from "@/lib/db/tenant-pool";
import { schemaNameFor } from "@/lib/tenancy/slug";

export interface InboxInsert {
  integrationId: string;
  providerEventId: string;
  eventType: string | null;
  headers: Record<string, string>;
  body: Buffer;
  bodySha256: string;
  /** Seconds within which a stored body (same SHA-256) makes this one a duplicate; null: deduplicate by event id alone. */
  bodyWindowSeconds?: number | null;
}

export interface StoredEvent {
  id: string;
  duplicate: boolean;
}

interface Item {
  ctx: string;
  row: InboxInsert;
}

/** At most this many deliveries per call, and about this many body bytes (bodies may be 1 MiB each: a big one goes alone). */
const maxPerCall = 100;
const maxBytesPerCall = 1024 * 1024;

/** The integration row is gone (deleted after the cache read it): Postgres foreign_key_violation. */
export function isMissingIntegration(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23503";
}

/**
 * Runs an intake statement, once more if its connection was lost under it: safe, the
 * insert is ON CONFLICT DO NOTHING on the provider event id (and the body window). The
 * lost attempt may have committed, in which case the second reports the row as a
 * duplicate of itself: after a retry a duplicate is answered as stored (and dispatched),
 * which at worst sends an event the engine already has (dropped by its id).
 */
async function intake<R extends { duplicate: boolean }>(run: () => Promise<R[]>): Promise<R[]> {
  let attempts = 0;
  return retryOnConnectionLoss(async () => {
    const rows = await run();
    return ++attempts > 1 ? rows.map((r) => ({ ...r, duplicate: false })) : rows;
  });
}

async function storeOne(slug: string, schema: string, item: Item): Promise<StoredEvent> {
  const rows = await intake(() => storeOneQuery(slug, schema, item));
  const stored = rows[0];
  if (!stored) throw new Error("webhook_intake returned no row");
  return { id: stored.id, duplicate: stored.duplicate };
}

async function storeOneQuery(slug: string, schema: string, { ctx, row }: Item): Promise<{ id: string; duplicate: boolean }[]> {
  const { rows } = await (
    await tenantPool(slug)
  ).query<{ id: string; duplicate: boolean }>(
    `SELECT id, duplicate FROM ${schema}.webhook_intake($1, $2::uuid, $3, $4, $5::jsonb, $6::bytea, $7, $8::integer)`,
    [ctx, row.integrationId, row.providerEventId, row.eventType, JSON.stringify(row.headers), row.body, row.bodySha256, row.bodyWindowSeconds ?? null],
  );
  return rows;
}

async function storeMany(slug: string, schema: string, items: Item[]): Promise<(StoredEvent | Error)[]> {
  try {
    const rows = await intake(
      async () =>
        (
          await (
            await tenantPool(slug)
          ).query<{ ord: number; id: string; duplicate: boolean }>(
            `SELECT ord, id, duplicate FROM ${schema}.webhook_intake_many($1::text[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::bytea[], $7::text[], $8::integer[])`,
            [
              items.map((i) => i.ctx),
              items.map((i) => i.row.integrationId),
              items.map((i) => i.row.providerEventId),
              items.map((i) => i.row.eventType),
              items.map((i) => JSON.stringify(i.row.headers)),
              items.map((i) => i.row.body),
              items.map((i) => i.row.bodySha256),
              items.map((i) => i.row.bodyWindowSeconds ?? null),
            ],
          )
        ).rows,
    );
    const byOrd = new Map(rows.map((r) => [r.ord, r]));
    return items.map((_, i) => {
      const r = byOrd.get(i + 1);
      return r ? { id: r.id, duplicate: r.duplicate } : new Error("webhook_intake_many returned no row for a delivery");
    });
  } catch (err) {
    if (items.length === 1) return [err instanceof Error ? err : new Error(String(err))];
    // All or nothing failed: each row on its own, so only the bad one fails.
    return Promise.all(items.map((item) => storeOne(slug, schema, item).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
  }
}

const groupOf = groupPerKey<Item, StoredEvent>("__inboxIntake", (slug) => {
  const schema = quoteIdent(schemaNameFor(slug));
  return {
    maxItems: maxPerCall,
    maxWeight: maxBytesPerCall,
    weight: (item) => item.row.body.length,
    flush: (items) => storeMany(slug, schema, items),
  };
});

export function storeInboxEvent(slug: string, ctx: AuditContext, row: InboxInsert): Promise<StoredEvent> {
  // Its audit row (or the seq a failure left as a gap) is for the sealer now.
  return groupOf(slug)
    .submit({ ctx: auditContextParam(ctx), row })
    .finally(() => markAuditDirty(slug));
}
