// The Settings page's forms, turned into a settings patch and parsed with the same
// schema as the API's PATCH (tenantSettingsPatchSchema). Each form sends a `section`
// and the section's fields in full, so an unchecked checkbox or an emptied list means
// "off" or "none", not "unchanged". Field errors keep the patch's paths
// (branding.logoUrl, rateLimits.apiPerMinute, ...), which the inputs are named after.
import { z } from "zod";
import { platformRateLimits } from "@/lib/ratelimit/limits";
import { tenantSettingsPatchSchema } from "./settings-input";

export const settingsSections = ["general", "security", "api", "audit", "alerts"] as const;
export type SettingsSection = (typeof settingsSections)[number];

const rateLimitKeys = Object.keys(platformRateLimits) as (keyof typeof platformRateLimits)[];

type Form = Record<string, unknown>;

const str = (form: Form, key: string): string => {
  const v = form[key];
  return typeof v === "string" ? v : "";
};
const list = (form: Form, key: string): string[] => {
  const v = form[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];
};
/** One entry a line (or comma); blanks dropped. */
const lines = (value: string): string[] =>
  value
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter(Boolean);
/** A number field: empty is null; anything else goes to zod as a number (NaN is refused there). */
const num = (value: string): number | null => (value.trim() === "" ? null : Number(value.trim()));

function formToPatch(form: Form): Record<string, unknown> {
  switch (str(form, "section") as SettingsSection) {
    case "general":
      return {
        displayName: str(form, "displayName"),
        branding: { logoUrl: str(form, "branding.logoUrl").trim() || null, accentColor: str(form, "branding.accentColor").trim() || null },
      };
    case "security":
      return { mfaRequiredForAdmins: form.mfaRequiredForAdmins === "on", sessionLifetimeHours: num(str(form, "sessionLifetimeHours")) };
    case "api": {
      const rateLimits: Record<string, number> = {};
      for (const key of rateLimitKeys) {
        const value = num(str(form, `rateLimits.${key}`));
        if (value !== null) rateLimits[key] = value;
      }
      return { corsOrigins: lines(str(form, "corsOrigins")), rateLimits };
    }
    case "audit":
      return { auditRetentionDays: num(str(form, "auditRetentionDays")) };
    case "alerts":
      return { alertRecipients: { roles: list(form, "alertRecipients.roles"), addresses: lines(str(form, "alertRecipients.addresses")) } };
    default:
      return { section: str(form, "section") }; // refused by the schema as an unknown field
  }
}

export const settingsFormSchema = z.record(z.string(), z.unknown()).transform(formToPatch).pipe(tenantSettingsPatchSchema);
