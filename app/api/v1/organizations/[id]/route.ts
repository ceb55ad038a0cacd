import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { deleteOrganization, getOrganization, renameOrganization } from "@/lib/organizations/organizations";
import { updateOrganizationInput } from "@/lib/organizations/schemas";

export const dynamic = "force-dynamic";

const idOf = async (route: { params: Promise<Record<string, string | string[]>> }) => String((await route.params).id);

export const GET = withPrincipal(
  "organizations:read",
  async ({ tenant, principal }, route) => Response.json(await getOrganization(tenant.slug, principal, await idOf(route))),
  {
    organizationScope: true,
  },
);

export const PATCH = withPrincipal(
  "organizations:write",
  async ({ tenant, request, principal, actor }, route) => {
    const input = await readJson(request, updateOrganizationInput, "organization");
    return Response.json(await renameOrganization(tenant.slug, principal, await idOf(route), input, actor));
  },
  { organizationScope: true },
);

export const DELETE = withPrincipal("organizations:write", async ({ tenant, principal, actor }, route) => {
  await deleteOrganization(tenant.slug, principal, await idOf(route), actor);
  return new Response(null, { status: 204 });
});
export const OPTIONS = corsPreflight;
