// Health of one integration over the last hour. A rest integration is judged by its
// outbound calls (success rate, p95 latency, circuit); a webhook integration by its
// inbox (processed vs dead, time from receipt to processed). Both show the backlog.
import { quoteIdent } from "@/lib/db/identifier";
import { tenantDb } from "@/lib/db/tenant-client";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { redispatchAfterMs } from "./inbox/reconcile";
import { loadIntegration } from "./integrations";
import { callStats } from "./outbound/call-stats";
import { circuitState } from "./outbound/circuit-breaker";

export const healthWindowMs = 60 * 60 * 1000;

export interface IntegrationHealth {
  integrationId: string;
  status: "active" | "paused";
  window: { from: string; to: string };
  /** Outbound calls for rest, processed events for webhook. */
  total: number;
  successes: number;
  successRate: number | null;
  p95LatencyMs: number | null;
  circuit: { state: string; failures: number; openedAt: string | null; retryAt: string | null } | null;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  /**
   * `stuck`: received, acknowledged by the engine more than `stuckAfterSeconds` ago and
   * still not processed (the engine lost them: re-dispatched by the reconciler, and
   * admins may replay them).
   */
  inbox: { backlog: number; failed: number; dead: number; undispatched: number; stuck: number; stuckAfterSeconds: number };
}

interface InboxRow {
  finished: number;
  processed: number;
  p95: number | null;
  last_success_at: Date | null;
  backlog: number;
  failed: number;
  dead: number;
  undispatched: number;
  stuck: number;
}

async function inboxNumbers(slug: string, integrationId: string, since: Date, stuckBefore: Date): Promise<InboxRow> {
  const [row] = await tenantDb(slug).$queryRawUnsafe<InboxRow[]>(
    `SELECT
       count(*) FILTER (WHERE received_at >= $2 AND status IN ('processed', 'dead'))::int AS finished,
       count(*) FILTER (WHERE received_at >= $2 AND status = 'processed')::int AS processed,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at) * 1000)
         FILTER (WHERE received_at >= $2 AND status = 'processed') AS p95,
       max(processed_at) AS last_success_at,
       count(*) FILTER (WHERE status IN ('received', 'processing', 'failed'))::int AS backlog,
       count(*) FILTER (WHERE status = 'failed')::int AS failed,
       count(*) FILTER (WHERE status = 'dead')::int AS dead,
       count(*) FILTER (WHERE dispatched_at IS NULL)::int AS undispatched,
       count(*) FILTER (WHERE status = 'received' AND dispatched_at < $3)::int AS stuck
     FROM ${quoteIdent(schemaNameFor(slug))}.webhook_events WHERE integration_id = $1::uuid`,
    integrationId,
    since,
    stuckBefore,
  );
  return row!;
}

export async function integrationHealth(slug: string, integrationId: string, now = new Date()): Promise<IntegrationHealth> {
  const integration = await loadIntegration(slug, integrationId);
  const since = new Date(now.getTime() - healthWindowMs);
  const stuckAfterMs = redispatchAfterMs();
  const inbox = await inboxNumbers(slug, integrationId, since, new Date(now.getTime() - stuckAfterMs));
  const base = {
    integrationId,
    status: integration.status === "paused" ? ("paused" as const) : ("active" as const),
    window: { from: since.toISOString(), to: now.toISOString() },
    inbox: {
      backlog: inbox.backlog,
      failed: inbox.failed,
      dead: inbox.dead,
      undispatched: inbox.undispatched,
      stuck: inbox.stuck,
      stuckAfterSeconds: stuckAfterMs / 1000,
    },
  };
  if (integration.kind === "rest") {
    const [stats, circuit] = await Promise.all([callStats(slug, integrationId, since), circuitState(slug, integrationId, now.getTime())]);
    return {
      ...base,
      total: stats.calls,
      successes: stats.successes,
      successRate: stats.successRate,
      p95LatencyMs: stats.p95LatencyMs,
      circuit: {
        state: circuit.state,
        failures: circuit.failures,
        openedAt: circuit.openedAt?.toISOString() ?? null,
        retryAt: circuit.retryAt?.toISOString() ?? null,
      },
      lastSuccessAt: stats.lastSuccessAt?.toISOString() ?? null,
      lastErrorAt: stats.lastErrorAt?.toISOString() ?? null,
      lastError: stats.lastError,
    };
  }
  const lastFailure = await tenantDb(slug).webhookEvent.findFirst({
    where: { integrationId, lastError: { not: null } },
    orderBy: { updatedAt: "desc" },
    select: { lastError: true, updatedAt: true },
  });
  return {
    ...base,
    total: inbox.finished,
    successes: inbox.processed,
    successRate: inbox.finished ? inbox.processed / inbox.finished : null,
    p95LatencyMs: inbox.p95 === null ? null : Math.round(Number(inbox.p95)),
    circuit: null,
    lastSuccessAt: inbox.last_success_at?.toISOString() ?? null,
    lastErrorAt: lastFailure?.updatedAt.toISOString() ?? null,
    lastError: lastFailure?.lastError ?? null,
  };
}
