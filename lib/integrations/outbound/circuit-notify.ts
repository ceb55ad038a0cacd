// Tells a tenant's admins when an integration's circuit opens (an audit event and an
// alert incident: the in-app notice, in one transaction, then the email; lib/alerts/)
// and records when it closes again. Called only by the
// caller whose failure actually opened the circuit (the breaker's script decides), so
// concurrent failures produce one notice.
import type { AuditContext } from "@/lib/audit/context";
import { auditActions } from "@/lib/audit/actions";
import { recordEvent, withAudit } from "@/lib/audit/with-audit";
import { alertAfterCommit, openIncident } from "@/lib/alerts/incidents";
import type { ParsedTarget } from "./types";

export async function notifyCircuitOpened(target: ParsedTarget, ctx: AuditContext, lastError: string): Promise<void> {
  const title = `Integration "${target.integrationName}" is failing`;
  const body =
    `Calls to ${new URL(target.baseUrl).origin} failed ${target.failureThreshold} times in a row (last: ${lastError}). ` +
    `Outbound calls are paused and retried in ${target.openSeconds} s.`;
  const incident = await withAudit(target.tenantSlug, ctx, async (tx, audit) => {
    await audit.record({
      action: auditActions.circuitOpened,
      targetType: "integration",
      targetId: target.integrationId,
      summary: `Circuit opened for ${target.integrationName} after ${target.failureThreshold} consecutive failures`.slice(0, 1000),
      metadata: { failureThreshold: target.failureThreshold, openSeconds: target.openSeconds, lastError },
    });
    return openIncident(tx, audit, { kind: "circuit_open", integrationId: target.integrationId, integrationName: target.integrationName, title, body });
  });
  alertAfterCommit(target.tenantSlug, incident);
}

export async function notifyCircuitClosed(target: ParsedTarget, ctx: AuditContext): Promise<void> {
  await recordEvent(target.tenantSlug, ctx, {
    action: auditActions.circuitClosed,
    targetType: "integration",
    targetId: target.integrationId,
    summary: `Circuit closed for ${target.integrationName}: a trial call succeeded`.slice(0, 1000),
  });
}
