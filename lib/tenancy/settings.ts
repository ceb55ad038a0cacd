// Tenant settings live as JSON on the tenant row and are always read through this
// schema, so a bad value can never reach the app. Later capabilities add their keys.
import { z } from "zod";
import { text } from "@/lib/zod/text";

export const tenantSettingsSchema = z
  .object({
    timezone: text().min(1).max(64).default("UTC"),
    /** Browser origins allowed to call the tenant's API with CORS. */
    corsOrigins: z.array(z.url()).max(50).default([]),
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
    /**
     * Who gets alert emails (a circuit opened, dead letters, a sync failing three times):
     * members holding these roles, and these addresses (lib/alerts/).
     */
    alertRecipients: z
      .object({
        roles: z
          .array(z.enum(["owner", "admin"]))
          .max(2)
          .default(["owner"]),
        addresses: z.array(z.email().max(320)).max(20).default([]),
      })
      .strict()
      .default({ roles: ["owner"], addresses: [] }),
  })
  .strict();

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

export function defaultTenantSettings(): TenantSettings {
  return tenantSettingsSchema.parse({});
}
