import { revokeApiKey } from "@/lib/auth/api-keys";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";

export const DELETE = withPrincipal("api_keys:write", async ({ tenant, actor }, route) => {
  await revokeApiKey(tenant.slug, String((await route.params).id), actor);
  return new Response(null, { status: 204 });
});
export const OPTIONS = corsPreflight;
