// Stores a verified delivery: the inbox row and its audit row in ONE statement, one
// round trip (the tenant schema's webhook_intake function sets the audit context
// transaction-locally, inserts with ON CONFLICT DO NOTHING and says whether the row was
// already there). Plain pg on the shared pool, autocommit: no BEGIN/COMMIT, no Prisma.
// An unnamed statement (still parsed, bound and run in one round trip), so it stays
// correct behind PgBouncer's transaction pooling, where named statements are not.
import { auditContextParam, type AuditContext } from "@/lib/audit/context";
import { quoteIdent } from "@/lib/db/identifier";
import { getPool } from "@/lib/db/pool";
import { schemaNameFor } from "@/lib/tenancy/slug";

export interface InboxInsert {
  integrationId: string;
  providerEventId: string;
  eventType: string | null;
  headers: Record<string, string>;
  body: Buffer;
  bodySha256: string;
}

export interface StoredEvent {
  id: string;
  duplicate: boolean;
}

/** The integration row is gone (deleted after the cache read it): Postgres foreign_key_violation. */
export function isMissingIntegration(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23503";
}

export async function storeInboxEvent(slug: string, ctx: AuditContext, row: InboxInsert): Promise<StoredEvent> {
  const fn = `${quoteIdent(schemaNameFor(slug))}.webhook_intake`;
  const { rows } = await getPool().query<{ id: string; duplicate: boolean }>(
    `SELECT id, duplicate FROM ${fn}($1, $2::uuid, $3, $4, $5::jsonb, $6::bytea, $7)`,
    [auditContextParam(ctx), row.integrationId, row.providerEventId, row.eventType, JSON.stringify(row.headers), row.body, row.bodySha256],
  );
  const stored = rows[0];
  if (!stored) throw new Error("webhook_intake returned no row");
  return { id: stored.id, duplicate: stored.duplicate };
}
