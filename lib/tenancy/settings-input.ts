// The one schema for changing a tenant's settings: the PATCH body of
// /api/v1/tenant/settings and the Settings page's form both parse with it. A patch
// carries only what it changes; a field it carries replaces the stored value whole
// (rateLimits, branding and alertRecipients included). Unknown fields are refused.
import { z } from "zod";
import { tenantSettingsSchema } from "./settings";
import { tenantNameSchema } from "./tenant-input";

const stored = tenantSettingsSchema.shape;

export const tenantSettingsPatchSchema = z
  .object({
    /** The tenant's name as its pages and emails show it (tenants.name). */
    displayName: tenantNameSchema,
    branding: stored.branding.unwrap(),
    corsOrigins: stored.corsOrigins.unwrap(),
    rateLimits: stored.rateLimits.unwrap(),
    auditRetentionDays: stored.auditRetentionDays.unwrap(),
    mfaRequiredForAdmins: stored.mfaRequiredForAdmins.unwrap(),
    sessionLifetimeHours: stored.sessionLifetimeHours.unwrap(),
    alertRecipients: stored.alertRecipients.unwrap(),
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, "Send at least one field to change.");

export type TenantSettingsPatch = z.infer<typeof tenantSettingsPatchSchema>;
