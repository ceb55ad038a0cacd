// Asks the engine for a sync of one rest integration (on demand or on schedule).
import { getInngest } from "@/lib/jobs/engine";
import { syncRequested } from "@/lib/jobs/events";
import { AppError } from "@/lib/errors/app-error";
import { tableActivity, type TableActivity } from "@/lib/db/table-activity";
import { tenantDb } from "@/lib/db/tenant-client";
import { listTenants } from "@/lib/tenancy/list-tenants";
import { loadIntegration } from "../integrations";
import { syncSettingsOf } from "../settings";
import { log } from "@/lib/observability/logger";

export async function requestSync(slug: string, integrationId: string, trigger: "manual" | "schedule"): Promise<{ eventId: string }> {
  const integration = await loadIntegration(slug, integrationId);
  if (!syncSettingsOf(integration)) {
    throw new AppError("bad_request", "This integration has no sync configured (a rest integration with settings.sync).");
  }
  if (integration.status !== "active") throw new AppError("conflict", "This integration is paused; resume it to sync.");
  try {
    const { ids } = await getInngest().send(syncRequested.create({ tenant: slug, integrationId, trigger }));
    return { eventId: ids[0] ?? "" };
  } catch (err) {
    log().warn({ err, component: "sync", tenant: slug, integration: integrationId }, "sync not requested: the workflow engine is not reachable");
    throw new AppError("unavailable", "The workflow engine is not reachable; try again shortly.", [], { headers: { "Retry-After": "30" } });
  }
}

// Only tenants that have a scheduled sync, or whose integrations were written since the
// scheduler last found they have none, are looked at (lib/db/table-activity.ts); every
// tenant every 30 minutes.
const g = globalThis as unknown as { __syncActivity?: TableActivity };
const syncActivity = () => (g.__syncActivity ??= tableActivity("integrations", { fullPassEveryMs: 30 * 60_000 }));

/** Rest integrations whose sync interval has passed since their last run started. */
export async function dueSyncs(now = new Date()): Promise<{ slug: string; integrationId: string }[]> {
  const due: { slug: string; integrationId: string }[] = [];
  const scan = await syncActivity().toScan((await listTenants()).filter((t) => t.status === "active"));
  for (const slug of scan.slugs) {
    const rows = await tenantDb(slug).integration.findMany({
      where: { kind: "rest", status: "active" },
      select: { id: true, kind: true, settings: true, syncRuns: { orderBy: { startedAt: "desc" }, take: 1, select: { startedAt: true } } },
    });
    let scheduled = false;
    for (const row of rows) {
      const interval = syncSettingsOf(row)?.intervalMinutes ?? 0;
      const last = row.syncRuns[0]?.startedAt;
      if (interval > 0) scheduled = true;
      if (interval > 0 && (!last || now.getTime() - last.getTime() >= interval * 60_000)) due.push({ slug, integrationId: row.id });
    }
    if (!scheduled) syncActivity().settled(slug, scan.counts.get(slug));
  }
  return due;
}
