// Health numbers of one integration, read back from its outbound-call audit rows: one
// parameterised query over the tenant's audit_log (index on target_type, target_id).
import { auditActions } from "@/lib/audit/actions";
import { auditTables } from "@/lib/audit/audit-table";
import { Prisma } from "@/lib/db/generated/tenant/client";
import { tenantDb } from "@/lib/db/tenant-client";

export interface CallStats {
  calls: number;
  successes: number;
  /** successes / calls; null without calls. */
  successRate: number | null;
  /** Of calls that reached the network (refusals take no time and would flatter it). */
  p95LatencyMs: number | null;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastError: string | null;
}

interface Row {
  calls: number;
  successes: number;
  p95: number | null;
  last_success_at: Date | null;
  last_error_at: Date | null;
  last_error: string | null;
}

export async function callStats(slug: string, integrationId: string, since: Date): Promise<CallStats> {
  // auditTables validates the slug: the only text spliced into the SQL is the quoted schema name.
  const table = Prisma.raw(auditTables(slug).log);
  const rows = await tenantDb(slug).$queryRaw<Row[]>`
    WITH calls AS (
      SELECT seq, occurred_at,
             coalesce((metadata->>'ok')::boolean, false) AS ok,
             (metadata->>'latencyMs')::float8 AS latency_ms,
             coalesce((metadata->>'attempts')::int, 0) AS attempts,
             metadata->>'error' AS error
        FROM ${table}
       WHERE target_type = 'integration' AND target_id = ${integrationId}
         AND action = ${auditActions.outboundCall} AND occurred_at >= ${since}
    )
    SELECT count(*)::int AS calls,
           count(*) FILTER (WHERE ok)::int AS successes,
           percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE attempts > 0) AS p95,
           max(occurred_at) FILTER (WHERE ok) AS last_success_at,
           max(occurred_at) FILTER (WHERE NOT ok) AS last_error_at,
           (array_agg(error ORDER BY seq DESC) FILTER (WHERE NOT ok))[1] AS last_error
      FROM calls`;
  const row = rows[0];
  const calls = row?.calls ?? 0;
  const successes = row?.successes ?? 0;
  return {
    calls,
    successes,
    successRate: calls > 0 ? successes / calls : null,
    p95LatencyMs: row?.p95 ?? null,
    lastSuccessAt: row?.last_success_at ?? null,
    lastErrorAt: row?.last_error_at ?? null,
    lastError: row?.last_error ?? null,
  };
}
