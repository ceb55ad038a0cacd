// The records an integration synced or received, for the API and the UI.
import { tenantDb } from "@/lib/db/tenant-client";
import { loadIntegration } from "../integrations";

/** The synced records of an integration, newest change first. */
export async function listSyncedRecords(slug: string, integrationId: string, limit = 50) {
  await loadIntegration(slug, integrationId);
  const rows = await tenantDb(slug).syncedRecord.findMany({
    where: { integrationId },
    orderBy: { updatedAt: "desc" },
    take: Math.min(Math.max(1, limit), 200),
    select: { id: true, externalId: true, source: true, data: true, createdAt: true, updatedAt: true },
  });
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() }));
}
