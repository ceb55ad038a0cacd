// The compliance report for a period: counts by action and by actor, sign-in
// failures and lockouts, permission denials, and the changes to roles, API keys and
// integrations, listed one by one (newest first, capped).
import type pg from "pg";
import { z } from "zod";
import { auditActions, sensitiveChangePrefixes } from "./actions";
import { auditTables } from "./audit-table";

export const reportQuerySchema = z
  .object({ from: z.coerce.date(), to: z.coerce.date() })
  .refine((v) => v.from < v.to, { message: "must be after from", path: ["to"] });

export type ReportQuery = z.infer<typeof reportQuerySchema>;

export interface ChangeItem {
  seq: string;
  occurredAt: string;
  action: string;
  actorLabel: string | null;
  targetType: string | null;
  targetId: string | null;
  summary: string;
}

export interface ComplianceReport {
  from: string;
  to: string;
  totalEvents: number;
  byAction: { action: string; count: number }[];
  byActor: { actorType: string; actorId: string | null; actorLabel: string | null; count: number }[];
  signInFailures: number;
  lockouts: number;
  permissionDenials: number;
  changes: Record<keyof typeof sensitiveChangePrefixes, ChangeItem[]>;
}

const CHANGE_LIMIT = 200;

export async function complianceReport(pool: pg.Pool, slug: string, query: ReportQuery): Promise<ComplianceReport> {
  const { log } = auditTables(slug);
  const range = `"occurred_at" >= $1 AND "occurred_at" < $2`;
  const params = [query.from, query.to];
  const [byAction, byActor] = await Promise.all([
    pool.query<{ action: string; count: number }>(
      `SELECT "action", count(*)::int AS "count" FROM ${log} WHERE ${range} GROUP BY "action" ORDER BY 2 DESC, 1`,
      params,
    ),
    pool.query<{ actorType: string; actorId: string | null; actorLabel: string | null; count: number }>(
      `SELECT "actor_type" AS "actorType", "actor_id" AS "actorId", max("actor_label") AS "actorLabel", count(*)::int AS "count"
         FROM ${log} WHERE ${range} GROUP BY 1, 2 ORDER BY 4 DESC, 1, 2 LIMIT 100`,
      params,
    ),
  ]);
  const countOf = (action: string) => byAction.rows.find((r) => r.action === action)?.count ?? 0;

  const changes = {} as ComplianceReport["changes"];
  for (const [kind, prefixes] of Object.entries(sensitiveChangePrefixes) as [keyof typeof sensitiveChangePrefixes, readonly string[]][]) {
    const patterns = prefixes.map((p) => `${p.replaceAll("_", "\\_")}%`);
    const { rows } = await pool.query<ChangeItem>(
      `SELECT r."seq"::text AS "seq", to_char(r."occurred_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt",
              r."action", r."actor_label" AS "actorLabel", r."target_type" AS "targetType", r."target_id" AS "targetId", r."summary"
         FROM ${log} AS r WHERE ${range} AND r."action" LIKE ANY($3) ORDER BY r."seq" DESC LIMIT ${CHANGE_LIMIT}`,
      [...params, patterns],
    );
    changes[kind] = rows;
  }

  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    totalEvents: byAction.rows.reduce((n, r) => n + r.count, 0),
    byAction: byAction.rows,
    byActor: byActor.rows,
    signInFailures: countOf(auditActions.signInFailed),
    lockouts: countOf(auditActions.lockedOut),
    permissionDenials: countOf(auditActions.permissionDenied),
    changes,
  };
}
