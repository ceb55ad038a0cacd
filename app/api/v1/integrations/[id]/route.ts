import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { deleteIntegration, getIntegration, updateIntegration } from "@/lib/integrations/integrations";
import { updateIntegrationInput } from "@/lib/integrations/settings";

export const GET = withPrincipal("integrations:read", async ({ tenant }, route) =>
  Response.json(await getIntegration(tenant.slug, String((await route.params).id))),
);

export const PATCH = withPrincipal("integrations:write", async ({ tenant, request, actor }, route) => {
  const body = await readJson(request, updateIntegrationInput, "integration");
  return Response.json(await updateIntegration(tenant.slug, String((await route.params).id), body, actor));
});

export const DELETE = withPrincipal("integrations:write", async ({ tenant, actor }, route) => {
  await deleteIntegration(tenant.slug, String((await route.params).id), actor);
  return new Response(null, { status: 204 });
});
export const OPTIONS = corsPreflight;
