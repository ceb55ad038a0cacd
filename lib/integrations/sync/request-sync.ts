// Asks the engine for a sync of one rest integration (on demand or on schedule).
import { getInngest } from "@/lib/jobs/engine";
import { syncRequested } from "@/lib/jobs/events";
import { AppError } from "@/lib/errors/app-error";
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

/** Rest integrations whose sync interval has passed since their last run started. */
export async function dueSyncs(now = new Date()): Promise<{ slug: string; integrationId: string }[]> {
  const due: { slug: string; integrationId: string }[] = [];
  for (const tenant of (await listTenants()).filter((t) => t.status === "active")) {
    const rows = await tenantDb(tenant.slug).integration.findMany({
      where: { kind: "rest", status: "active" },
      select: { id: true, kind: true, settings: true, syncRuns: { orderBy: { startedAt: "desc" }, take: 1, select: { startedAt: true } } },
    });
    for (const row of rows) {
      const interval = syncSettingsOf(row)?.intervalMinutes ?? 0;
      const last = row.syncRuns[0]?.startedAt;
      if (interval > 0 && (!last || now.getTime() - last.getTime() >= interval * 60_000)) due.push({ slug: tenant.slug, integrationId: row.id });
    }
  }
  return due;
}
