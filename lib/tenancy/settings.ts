// Tenant settings live as JSON on the tenant row and are always read through this
// schema, so a bad value can never reach the app. Later capabilities add their keys.
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { listLimits, textLimits } from "@/lib/zod/limits";

/** Who gets the tenant's alert emails: everyone holding one of `roles`, plus `addresses`. */
export const alertRecipientsSchema = z
  .object({
    roles: z.array(z.enum(["owner", "admin"])).max(2),
    addresses: z.array(text().trim().toLowerCase().max(textLimits.email).pipe(z.email("must be an email address"))).max(listLimits.alertAddresses),
  })
  .strict();

/** An https URL of an image; stored as given, rendered with referrerpolicy=no-referrer. */
const logoUrlSchema = text()
  .max(textLimits.logoUrl)
  .pipe(z.url({ protocol: /^https$/, error: "must be an https:// URL" }));

export const brandingSchema = z
  .object({
    /** Shown in the header of the tenant's pages and at the top of its emails. */
    logoUrl: logoUrlSchema.nullable(),
    /** A #rrggbb colour for the header bar and primary buttons. */
    accentColor: text()
      .regex(/^#[0-9a-fA-F]{6}$/, "must be a colour such as #4f46e5")
      .transform((c) => c.toLowerCase())
      .nullable(),
  })
  .strict();

export const tenantSettingsSchema = z
  .object({
    timezone: text().min(1).max(64).default("UTC"),
    /** Browser origins allowed to call the tenant's API with CORS. */
    corsOrigins: z.array(z.url().max(textLimits.url)).max(listLimits.corsOrigins).default([]),
    /** Audit rows older than this many days are archived and removed; null keeps them forever. */
    auditRetentionDays: z.number().int().min(1).max(36_500).nullable().default(null),
    /** Owners and admins must enrol in TOTP MFA before they can do anything else. */
    mfaRequiredForAdmins: z.boolean().default(false),
    /** Overrides of the platform's rate limits (lib/ratelimit/limits.ts); unset keys use the defaults. */
    rateLimits: z
      .object({
        apiPerMinute: z.number().int().min(1).max(1_000_000),
        principalPerMinute: z.number().int().min(1).max(1_000_000),
        signInPerIpPer15Minutes: z.number().int().min(1).max(10_000),
        signInPerEmailPer15Minutes: z.number().int().min(1).max(10_000),
        failedSignInsPerTenantPer15Minutes: z.number().int().min(1).max(1_000_000),
      })
      .partial()
      .strict()
      .default({}),
    branding: brandingSchema.default({ logoUrl: null, accentColor: null }),
    /**
     * How long a browser sign-in lasts, in hours (at most the cookie's 7 days). Applies
     * to sessions already open too: a shorter lifetime ends older sessions at once.
     */
    sessionLifetimeHours: z.number().int().min(1).max(168).default(168),
    /**
     * Who gets alert emails (a circuit opened, dead letters, a sync failing three times):
     * members holding these roles, and these addresses (lib/alerts/).
     */
    alertRecipients: alertRecipientsSchema.default({ roles: ["owner"], addresses: [] }),
  })
  .strict();

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;
export type AlertRecipients = z.infer<typeof alertRecipientsSchema>;
export type Branding = z.infer<typeof brandingSchema>;

export function defaultTenantSettings(): TenantSettings {
  return tenantSettingsSchema.parse({});
}
