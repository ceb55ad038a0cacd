// One integration's last 24 hours, hour by hour (UTC), for the charts of its page:
// deliveries by outcome and the p95 time from receipt to processed (from its inbox), and
// outbound calls with their success rate (from its outbound-call audit rows, as
// call-stats.ts reads them). Two parameterised queries; every hour is present, empty
// ones with zeros and nulls.
import { auditActions } from "@/lib/audit/actions";
import { auditTables } from "@/lib/audit/audit-table";
import { Prisma } from "@/lib/db/generated/tenant/client";
import { tenantDb } from "@/lib/db/tenant-client";
import { loadIntegration } from "./integrations";

export const historyHours = 24;
const hourMs = 60 * 60 * 1000;

export const deliveryOutcomes = ["processed", "pending", "failed", "dead"] as const;
export type DeliveryOutcome = (typeof deliveryOutcomes)[number];

export interface HourOfHistory {
  /** Start of the hour, ISO (UTC). */
  hour: string;
  deliveries: Record<DeliveryOutcome, number>;
  /** p95 of received -> processed over the hour's processed deliveries; null without any. */
  p95ProcessingMs: number | null;
  outboundCalls: number;
  outboundSuccesses: number;
  /** outboundSuccesses / outboundCalls; null without calls. */
  outboundSuccessRate: number | null;
}

export interface IntegrationHistory {
  from: string;
  to: string;
  hours: HourOfHistory[];
}

interface InboxHourRow {
  hour: Date;
  processed: number;
  pending: number;
  failed: number;
  dead: number;
  p95: number | null;
}

interface CallHourRow {
  hour: Date;
  calls: number;
  successes: number;
}

export async function integrationHistory(slug: string, integrationId: string, now = new Date()): Promise<IntegrationHistory> {
  await loadIntegration(slug, integrationId); // 404 for an unknown (or another tenant's) id
  const lastHour = Math.floor(now.getTime() / hourMs) * hourMs;
  const since = new Date(lastHour - (historyHours - 1) * hourMs);
  const db = tenantDb(slug);
  // auditTables validates the slug: the only text spliced into the SQL is the quoted schema name.
  const events = Prisma.raw(`${auditTables(slug).schema}."webhook_events"`);
  const audit = Prisma.raw(auditTables(slug).log);
  const [inbox, calls] = await Promise.all([
    db.$queryRaw<InboxHourRow[]>`
      SELECT date_trunc('hour', received_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
             count(*) FILTER (WHERE status = 'processed')::int AS processed,
             count(*) FILTER (WHERE status IN ('received', 'processing'))::int AS pending,
             count(*) FILTER (WHERE status = 'failed')::int AS failed,
             count(*) FILTER (WHERE status = 'dead')::int AS dead,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at) * 1000)
               FILTER (WHERE status = 'processed' AND processed_at IS NOT NULL) AS p95
        FROM ${events}
       WHERE integration_id = ${integrationId}::uuid AND received_at >= ${since}
       GROUP BY 1`,
    db.$queryRaw<CallHourRow[]>`
      SELECT date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
             count(*)::int AS calls,
             count(*) FILTER (WHERE coalesce((metadata->>'ok')::boolean, false))::int AS successes
        FROM ${audit}
       WHERE target_type = 'integration' AND target_id = ${integrationId}
         AND action = ${auditActions.outboundCall} AND occurred_at >= ${since}
       GROUP BY 1`,
  ]);
  const inboxByHour = new Map(inbox.map((r) => [r.hour.getTime(), r]));
  const callsByHour = new Map(calls.map((r) => [r.hour.getTime(), r]));
  const hours: HourOfHistory[] = [];
  for (let t = since.getTime(); t <= lastHour; t += hourMs) {
    const i = inboxByHour.get(t);
    const c = callsByHour.get(t);
    hours.push({
      hour: new Date(t).toISOString(),
      deliveries: { processed: i?.processed ?? 0, pending: i?.pending ?? 0, failed: i?.failed ?? 0, dead: i?.dead ?? 0 },
      p95ProcessingMs: i?.p95 === null || i?.p95 === undefined ? null : Math.round(Number(i.p95)),
      outboundCalls: c?.calls ?? 0,
      outboundSuccesses: c?.successes ?? 0,
      outboundSuccessRate: c && c.calls > 0 ? c.successes / c.calls : null,
    });
  }
  return { from: since.toISOString(), to: now.toISOString(), hours };
}
