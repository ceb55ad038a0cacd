import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { deleteIntegration, getIntegration, updateIntegration } from "@/lib/integrations/integrations";
import { updateIntegrationInput } from "@/lib/integrations/settings";
import { assertIntegrationInScope, confineToScope } from "@/lib/organizations/scope";

const idOf = async (route: { params: Promise<Record<string, string | string[]>> }) => String((await route.params).id);

// Keys scoped to an organization reach only that organization's integrations (others: 404).
export const GET = withPrincipal(
  "integrations:read",
  async ({ tenant, principal }, route) => {
    const id = await idOf(route);
    await assertIntegrationInScope(tenant.slug, principal, id);
    return Response.json(await getIntegration(tenant.slug, id));
  },
  { organizationScope: true },
);

export const PATCH = withPrincipal(
  "integrations:write",
  async ({ tenant, request, principal, actor }, route) => {
    const id = await idOf(route);
    await assertIntegrationInScope(tenant.slug, principal, id);
    const parsed = await readJson(request, updateIntegrationInput, "integration");
    const body = "organizationId" in parsed ? confineToScope(principal, parsed) : parsed;
    return Response.json(await updateIntegration(tenant.slug, id, body, actor));
  },
  { organizationScope: true },
);

export const DELETE = withPrincipal(
  "integrations:write",
  async ({ tenant, principal, actor }, route) => {
    const id = await idOf(route);
    await assertIntegrationInScope(tenant.slug, principal, id);
    await deleteIntegration(tenant.slug, id, actor);
    return new Response(null, { status: 204 });
  },
  { organizationScope: true },
);
export const OPTIONS = corsPreflight;
