// Reads a page of a tenant's audit log, newest first, with keyset pagination on seq
// (stable under concurrent appends, unlike offsets). Parameterised SQL only; the
// schema comes from a validated slug.
import type pg from "pg";
import type { HashedFields } from "./canonical";
import { auditTables } from "./audit-table";
import type { AuditQuery } from "./query-schema";

/** A row as the API shows it: the hashed fields, with changes and metadata as JSON. */
export type AuditEntry = Omit<HashedFields, "changes" | "metadata" | "prevHash"> & {
  changes: unknown;
  metadata: unknown;
  hash: string;
};

export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

/** Builds the WHERE clause and parameters for the filters (shared with export). */
export function auditFilterSql(query: Omit<AuditQuery, "limit" | "cursor"> & { cursor?: string }): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const where: string[] = [];
  const p = (value: unknown) => `$${params.push(value)}`;
  if (query.actorType) where.push(`"actor_type" = ${p(query.actorType)}`);
  if (query.actorId) where.push(`"actor_id" = ${p(query.actorId)}`);
  // LIKE with '_' escaped; '%' cannot occur (the schema refuses it).
  if (query.action) where.push(`"action" LIKE ${p(`${query.action.replaceAll("_", "\\_")}%`)}`);
  if (query.targetType) where.push(`"target_type" = ${p(query.targetType)}`);
  if (query.targetId) where.push(`"target_id" = ${p(query.targetId)}`);
  if (query.from) where.push(`"occurred_at" >= ${p(query.from)}`);
  if (query.to) where.push(`"occurred_at" < ${p(query.to)}`);
  if (query.q) where.push(`to_tsvector('simple', "summary") @@ plainto_tsquery('simple', ${p(query.q)})`);
  if (query.cursor) where.push(`"seq" < ${p(query.cursor)}`);
  return { where: where.length ? `WHERE ${where.join(" AND ")}` : "", params };
}

export async function searchAuditLog(pool: pg.Pool, slug: string, query: AuditQuery): Promise<AuditPage> {
  const { log } = auditTables(slug);
  const { where, params } = auditFilterSql(query);
  params.push(query.limit + 1);
  // r."seq", not "seq": a bare name in ORDER BY is the text output column (9 before 10).
  const { rows } = await pool.query<AuditEntry>(
    `SELECT "seq"::text AS "seq", to_char("occurred_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt",
            "actor_type" AS "actorType", "actor_id" AS "actorId", "actor_label" AS "actorLabel", "action",
            "target_type" AS "targetType", "target_id" AS "targetId", "summary", "changes", "metadata",
            "request_id" AS "requestId", "ip", "user_agent" AS "userAgent", "hash"
       FROM ${log} AS r ${where} ORDER BY r."seq" DESC LIMIT $${params.length}`,
    params,
  );
  const hasMore = rows.length > query.limit;
  const items = hasMore ? rows.slice(0, query.limit) : rows;
  return { items, nextCursor: hasMore ? (items[items.length - 1]?.seq ?? null) : null };
}
