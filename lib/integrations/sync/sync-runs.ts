// Sync runs of a rest integration: started (resuming from where a failed or stopped run
// got to), finished with counts and audited, listed.
import { raiseIntegrationAlert } from "@/lib/alerts/incidents";
import { auditActions } from "@/lib/audit/actions";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { loadIntegration } from "../integrations";
import { syncSettingsOf } from "../settings";

export const syncContext = systemContext("data sync");

export interface SyncRunView {
  id: string;
  trigger: string;
  status: string;
  cursor: string | null;
  pages: number;
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export async function startSyncRun(slug: string, integrationId: string, trigger: "manual" | "schedule"): Promise<{ runId: string; cursor: string | null }> {
  return withAudit(slug, syncContext, async (tx) => {
    const integration = await loadIntegration(slug, integrationId, tx);
    if (!syncSettingsOf(integration)) {
      throw new AppError("bad_request", `Integration ${integration.name} has no sync configured.`);
    }
    // A run that failed or stopped part-way left its cursor: continue from there.
    const last = await tx.syncRun.findFirst({ where: { integrationId }, orderBy: { startedAt: "desc" }, select: { status: true, cursor: true } });
    const cursor = last && (last.status === "failed" || last.status === "stopped") ? last.cursor : null;
    const run = await tx.syncRun.create({ data: { integrationId, trigger, cursor }, select: { id: true } });
    return { runId: run.id, cursor };
  });
}

export async function finishSyncRun(slug: string, runId: string, status: "succeeded" | "failed" | "stopped", error?: string): Promise<void> {
  await withAudit(slug, syncContext, async (tx, audit) => {
    const run = await tx.syncRun.update({
      where: { id: runId },
      // A finished run's cursor is cleared: the next run starts from the beginning.
      data: { status, error: error?.slice(0, 1000) ?? null, finishedAt: new Date(), ...(status === "succeeded" ? { cursor: null } : {}) },
    });
    await audit.record({
      action: auditActions.syncFinished,
      targetType: "integration",
      targetId: run.integrationId,
      summary: `sync ${status}: ${run.pages} page(s), ${run.created} created, ${run.updated} updated, ${run.unchanged} unchanged${error ? ` (${error.slice(0, 200)})` : ""}`,
      metadata: {
        runId,
        status,
        pages: run.pages,
        fetched: run.fetched,
        created: run.created,
        updated: run.updated,
        unchanged: run.unchanged,
        error: error ?? null,
      },
    });
  });
  if (status === "failed") await alertOnRepeatedFailure(slug, runId);
}

/** Failed runs in a row that make an alert. */
export const syncFailuresToAlert = 3;

/** After a failed run: the integration's last `syncFailuresToAlert` runs all failed -> an alert (once per incident, lib/alerts/). */
async function alertOnRepeatedFailure(slug: string, runId: string): Promise<void> {
  const db = tenantDb(slug);
  const run = await db.syncRun.findUnique({ where: { id: runId }, select: { integrationId: true, integration: { select: { name: true } } } });
  if (!run) return;
  const last = await db.syncRun.findMany({
    where: { integrationId: run.integrationId, status: { not: "running" } },
    orderBy: { startedAt: "desc" },
    take: syncFailuresToAlert,
    select: { status: true, error: true },
  });
  if (last.length < syncFailuresToAlert || last.some((r) => r.status !== "failed")) return;
  const name = run.integration.name;
  await raiseIntegrationAlert(slug, syncContext, {
    kind: "sync_failed",
    integrationId: run.integrationId,
    integrationName: name,
    title: `Sync of "${name}" failed ${syncFailuresToAlert} times in a row`,
    body: `The last ${syncFailuresToAlert} syncs of ${name} failed (latest: ${(last[0]?.error ?? "unknown error").slice(0, 300)}). Its records are not being updated until a sync succeeds.`,
  });
}

/** The failure handler's end of a run: still-running runs of the integration fail, keeping their cursor for the next run. */
export async function failRunningSyncs(slug: string, integrationId: string, error: string): Promise<void> {
  const running = await tenantDb(slug).syncRun.findMany({ where: { integrationId, status: "running" }, select: { id: true } });
  for (const run of running) await finishSyncRun(slug, run.id, "failed", error);
}

export async function listSyncRuns(slug: string, integrationId: string, limit = 20): Promise<SyncRunView[]> {
  await loadIntegration(slug, integrationId);
  const rows = await tenantDb(slug).syncRun.findMany({ where: { integrationId }, orderBy: { startedAt: "desc" }, take: limit });
  return rows.map((r) => ({
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    cursor: r.cursor,
    pages: r.pages,
    fetched: r.fetched,
    created: r.created,
    updated: r.updated,
    unchanged: r.unchanged,
    error: r.error,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  }));
}
