// Applies each tenant's audit retention setting (none by default: keep forever).
import { tenantPool } from "@/lib/db/tenant-pool";
import { platformDb } from "@/lib/db/platform-client";
import { serverEnv } from "@/lib/env";
import { tenantSettingsSchema } from "@/lib/tenancy/settings";
import { purgeExpiredAuditRows, type PurgeResult } from "./retention";

export async function applyRetention(slugs?: string[]): Promise<{ slug: string; result: PurgeResult | "keep-forever" }[]> {
  const tenants = await platformDb().tenant.findMany({
    where: slugs ? { slug: { in: slugs } } : {},
    select: { slug: true, settings: true },
    orderBy: { slug: "asc" },
  });
  const out: { slug: string; result: PurgeResult | "keep-forever" }[] = [];
  for (const t of tenants) {
    const days = tenantSettingsSchema.parse(t.settings).auditRetentionDays;
    if (days === null) {
      out.push({ slug: t.slug, result: "keep-forever" });
      continue;
    }
    out.push({
      slug: t.slug,
      result: await purgeExpiredAuditRows(await tenantPool(t.slug), t.slug, { retentionDays: days, archiveDir: serverEnv().AUDIT_ARCHIVE_DIR }),
    });
  }
  return out;
}
