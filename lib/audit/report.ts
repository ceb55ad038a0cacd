// The compliance report for a period: counts by action and by actor, sign-in
// failures and lockouts, permission denials, and the changes to roles, API keys and
// integrations, listed one by one (newest first, capped).
import type pg from "pg";
import { z } from "zod";
import { boundedDate } from "@/lib/zod/dates";
import { auditActions, sensitiveChanges, type SensitiveChangeKind, type SensitiveChangeRule } from "./actions";
import { auditTables } from "./audit-table";

export const reportQuerySchema = z
  .object({ from: boundedDate(), to: boundedDate() })
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
  /** The row's changed fields (row changes), as recorded: before/after per field on updates. */
  changes: unknown;
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
  changes: Record<SensitiveChangeKind, ChangeItem[]>;
}

const CHANGE_LIMIT = 200;

/** The WHERE condition of one rule (parameters numbered after the first `offset`). */
export function changeCondition(rule: SensitiveChangeRule, offset: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (value: unknown) => `$${offset + params.push(value)}`;
  const parts: string[] = [];
  const exact = rule.actions.filter((a) => !a.endsWith("."));
  const prefixes = rule.actions.filter((a) => a.endsWith(".")).map((a) => `${a.replaceAll("_", "\\_")}%`);
  if (exact.length) parts.push(`r."action" = ANY(${p(exact)}::text[])`);
  if (prefixes.length) parts.push(`r."action" LIKE ANY(${p(prefixes)}::text[])`);
  for (const u of rule.fieldUpdates) parts.push(`(r."action" = ${p(u.action)} AND r."changes" ?| ${p([...u.fields])}::text[])`);
  return { sql: parts.length ? parts.join(" OR ") : "false", params };
}

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
  for (const [kind, rule] of Object.entries(sensitiveChanges) as [SensitiveChangeKind, SensitiveChangeRule][]) {
    const { sql, params: ruleParams } = changeCondition(rule, params.length);
    const { rows } = await pool.query<ChangeItem>(
      `SELECT r."seq"::text AS "seq", to_char(r."occurred_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt",
              r."action", r."actor_label" AS "actorLabel", r."target_type" AS "targetType", r."target_id" AS "targetId", r."summary",
              r."changes"
         FROM ${log} AS r WHERE ${range} AND (${sql}) ORDER BY r."seq" DESC LIMIT ${CHANGE_LIMIT}`,
      [...params, ...ruleParams],
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
