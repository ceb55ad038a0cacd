// What GET /api/v1/tenant/settings answers and the Settings page shows: the editable
// fields (the keys of tenantSettingsPatchSchema), the platform's rate-limit defaults for
// keys the tenant does not override, and the custom domains.
import { platformDb } from "@/lib/db/platform-client";
import { AppError } from "@/lib/errors/app-error";
import { platformRateLimits } from "@/lib/ratelimit/limits";
import { listDomains, type DomainView } from "./domains";
import type { TenantSettings } from "./settings";
import type { TenantSettingsPatch } from "./settings-input";
import { getTenantSettings } from "./tenant-settings";

export type TenantSettingsView = Required<TenantSettingsPatch> & {
  slug: string;
  rateLimitDefaults: typeof platformRateLimits;
  domains: DomainView[];
};

export function editableSettings(displayName: string, s: TenantSettings): Required<TenantSettingsPatch> {
  return {
    displayName,
    branding: s.branding,
    corsOrigins: s.corsOrigins,
    rateLimits: s.rateLimits,
    auditRetentionDays: s.auditRetentionDays,
    mfaRequiredForAdmins: s.mfaRequiredForAdmins,
    sessionLifetimeHours: s.sessionLifetimeHours,
    alertRecipients: s.alertRecipients,
  };
}

export async function tenantSettingsView(slug: string): Promise<TenantSettingsView> {
  // The name from the row, not a cached record: the answer to a PATCH shows the new one.
  const [row, settings, domains] = await Promise.all([
    platformDb().tenant.findUnique({ where: { slug }, select: { name: true } }),
    getTenantSettings(slug),
    listDomains(slug),
  ]);
  if (!row) throw new AppError("not_found", "Unknown tenant.");
  return { slug, ...editableSettings(row.name, settings), rateLimitDefaults: platformRateLimits, domains };
}
