import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { tenantSettingsPatchSchema } from "@/lib/tenancy/settings-input";
import { tenantSettingsView } from "@/lib/tenancy/settings-view";
import { updateTenantSettings } from "@/lib/tenancy/tenant-settings";

export const dynamic = "force-dynamic";

export const GET = withPrincipal("settings:read", async ({ tenant }) => Response.json(await tenantSettingsView(tenant.slug)));

/** Carries only the fields it changes; each one replaces the stored value whole. */
export const PATCH = withPrincipal("settings:write", async ({ tenant, request, actor }) => {
  const patch = await readJson(request, tenantSettingsPatchSchema, "settings");
  await updateTenantSettings(tenant.slug, patch, actor);
  return Response.json(await tenantSettingsView(tenant.slug));
});
export const OPTIONS = corsPreflight;
