import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { createIntegration, listIntegrations } from "@/lib/integrations/integrations";
import { createIntegrationInput } from "@/lib/integrations/settings";

export const GET = withPrincipal("integrations:read", async ({ tenant }) => Response.json({ data: await listIntegrations(tenant.slug) }));

export const POST = withPrincipal("integrations:write", async ({ tenant, request, actor }) => {
  const body = await readJson(request, createIntegrationInput, "integration");
  const { integration, secret } = await createIntegration(tenant.slug, body, actor);
  // A webhook signing secret appears in this response only.
  return Response.json(
    { ...integration, ...(secret ? { secret } : {}) },
    { status: 201, headers: { location: `/api/v1/integrations/${integration.id}`, "cache-control": "no-store" } },
  );
});
export const OPTIONS = corsPreflight;
