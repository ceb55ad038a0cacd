// Alerts for a tenant's admins: a circuit opened, dead letters appeared, a sync failed
// three times in a row. Each is an incident of one kind on one integration, shown as an
// in-app notice (lib/integrations/notices.ts) and emailed (./email.ts). An incident stays
// open while its notice is unread: the same trouble again (another dead letter, the
// circuit re-opening) adds nothing, and dismissing the notice closes it, so the next
// occurrence alerts again. Incidents of one integration and kind are serialised by a
// transaction-scoped advisory lock, so concurrent workers open one notice, not two.
import type { AuditContext } from "@/lib/audit/context";
import { auditActions } from "@/lib/audit/actions";
import { withAudit } from "@/lib/audit/with-audit";
import { emailAlert } from "./email";
import { log } from "@/lib/observability/logger";

export const alertKinds = ["circuit_open", "dead_letters", "sync_failed"] as const;
export type AlertKind = (typeof alertKinds)[number];

export interface IntegrationAlert {
  kind: AlertKind;
  integrationId: string;
  integrationName: string;
  title: string;
  body: string;
}

export interface OpenedIncident {
  noticeId: string;
  alert: IntegrationAlert;
}

type AuditTx = Parameters<Parameters<typeof withAudit>[2]>[0];
type AuditRecorder = Parameters<Parameters<typeof withAudit>[2]>[1];

/**
 * Inside a withAudit transaction: opens the incident (a notice and an audit row) unless
 * one of this kind is already open for the integration. Returns it, to be emailed after
 * the commit (alertAfterCommit), or null for a duplicate.
 */
export async function openIncident(tx: AuditTx, audit: AuditRecorder, alert: IntegrationAlert): Promise<OpenedIncident | null> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`alert:${alert.kind}:${alert.integrationId}`}))::text AS locked`;
  const open = await tx.notice.findFirst({ where: { kind: alert.kind, integrationId: alert.integrationId, readAt: null }, select: { id: true } });
  if (open) return null;
  const notice = await tx.notice.create({
    data: { kind: alert.kind, title: alert.title.slice(0, 300), body: alert.body.slice(0, 2000), integrationId: alert.integrationId },
    select: { id: true },
  });
  await audit.record({
    action: auditActions.alertRaised,
    targetType: "integration",
    targetId: alert.integrationId,
    summary: `${alert.kind}: ${alert.title}`.slice(0, 1000),
    metadata: { kind: alert.kind, noticeId: notice.id },
  });
  return { noticeId: notice.id, alert };
}

/** Emails an opened incident in the background: the caller (a request, a workflow step) never waits for SMTP. */
export function alertAfterCommit(slug: string, incident: OpenedIncident | null): void {
  if (incident) void emailAlert(slug, incident.alert);
}

/** Opens the incident in a transaction of its own and emails it; a duplicate does nothing. Never throws. */
export async function raiseIntegrationAlert(slug: string, ctx: AuditContext, alert: IntegrationAlert): Promise<boolean> {
  try {
    const incident = await withAudit(slug, ctx, (tx, audit) => openIncident(tx, audit, alert));
    alertAfterCommit(slug, incident);
    return incident !== null;
  } catch (err) {
    // The trouble itself is already recorded (the dead row, the failed run): an alert that
    // could not be written must not fail that work.
    log().error({ component: "alerts", tenant: slug, kind: alert.kind, reason: err instanceof Error ? err.message : String(err) }, "could not raise an alert");
    return false;
  }
}
