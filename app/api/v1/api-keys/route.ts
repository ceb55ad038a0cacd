import { createApiKey, createApiKeyInput, listApiKeys } from "@/lib/auth/api-keys";
import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";

export const GET = withPrincipal("api_keys:read", async ({ tenant }) => Response.json({ data: await listApiKeys(tenant.slug) }));

export const POST = withPrincipal("api_keys:write", async ({ tenant, request, principal, actor }) => {
  const body = await readJson(request, createApiKeyInput, "API key");
  const { key, apiKey } = await createApiKey(tenant.slug, principal, body, actor);
  // The key itself appears in this response only.
  return Response.json({ ...apiKey, key }, { status: 201, headers: { "cache-control": "no-store" } });
});
export const OPTIONS = corsPreflight;
