"use server";
// Settings page actions: thin wrappers of lib/tenancy (settings and domains), through
// tenantAction (guard, rate limit, zod, denials audited). Owners change; admins read.
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { adminRoles } from "@/lib/auth/permissions";
import { tenantAction } from "@/lib/http/tenant-action";
import { addDomain, removeDomain, setPrimaryDomain, verifyDomain } from "@/lib/tenancy/domains";
import { settingsFormSchema } from "@/lib/tenancy/settings-form";
import { updateTenantSettings } from "@/lib/tenancy/tenant-settings";
import { hostnameSchema } from "@/lib/tenancy/tenant-input";
import { text } from "@/lib/zod/text";

export interface SavedSettings {
  saved: boolean;
  /** Where the browser goes next (MFA set-up), if anywhere. */
  redirectTo?: string;
}

export const saveSettingsAction = tenantAction(
  { permission: "settings:write", input: settingsFormSchema, what: "settings" },
  async (ctx, patch): Promise<SavedSettings> => {
    const next = await updateTenantSettings(ctx.tenant.slug, patch, ctx.actor);
    revalidatePath("/", "layout");
    // Requiring MFA of a signed-in owner without it: straight to the set-up.
    const mustEnrol = next.mfaRequiredForAdmins && adminRoles.includes(ctx.principal.role) && !ctx.principal.mfaEnabled;
    return mustEnrol ? { saved: true, redirectTo: "/account?mfa=required" } : { saved: true };
  },
);

export const addDomainAction = tenantAction(
  { permission: "settings:write", input: z.object({ hostname: hostnameSchema }), what: "custom domain" },
  async (ctx, v) => {
    const domain = await addDomain(ctx.tenant.slug, v.hostname, { verified: false, actor: ctx.actor });
    revalidatePath("/settings");
    return { hostname: domain.hostname };
  },
);

const named = z.object({ hostname: text().min(1).max(253) });

export const verifyDomainAction = tenantAction({ permission: "settings:write", input: named, what: "domain verification" }, async (ctx, v) => {
  const domain = await verifyDomain(ctx.tenant.slug, v.hostname, ctx.actor);
  revalidatePath("/settings");
  return { hostname: domain.hostname };
});

export const primaryDomainAction = tenantAction({ permission: "settings:write", input: named, what: "primary domain" }, async (ctx, v) => {
  await setPrimaryDomain(ctx.tenant.slug, v.hostname, ctx.actor);
  revalidatePath("/settings");
  return { hostname: v.hostname };
});

export const removeDomainAction = tenantAction({ permission: "settings:write", input: named, what: "domain removal" }, async (ctx, v) => {
  await removeDomain(ctx.tenant.slug, v.hostname, ctx.actor);
  revalidatePath("/settings");
  return { hostname: v.hostname };
});
