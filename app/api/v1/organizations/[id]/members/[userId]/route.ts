import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { removeOrganizationMember, updateOrganizationMember } from "@/lib/organizations/organizations";
import { updateOrganizationMemberInput } from "@/lib/organizations/schemas";

export const dynamic = "force-dynamic";

const paramsOf = async (route: { params: Promise<Record<string, string | string[]>> }) => {
  const p = await route.params;
  return { id: String(p.id), userId: String(p.userId) };
};

// organizations:write, or the org_admin role in this organization (checked in lib/organizations).
export const PATCH = withPrincipal(
  "organizations:read",
  async ({ tenant, request, principal, actor }, route) => {
    const input = await readJson(request, updateOrganizationMemberInput, "organization member");
    const { id, userId } = await paramsOf(route);
    return Response.json(await updateOrganizationMember(tenant.slug, principal, id, userId, input, actor));
  },
  { organizationScope: true },
);

export const DELETE = withPrincipal(
  "organizations:read",
  async ({ tenant, principal, actor }, route) => {
    const { id, userId } = await paramsOf(route);
    await removeOrganizationMember(tenant.slug, principal, id, userId, actor);
    return new Response(null, { status: 204 });
  },
  { organizationScope: true },
);
export const OPTIONS = corsPreflight;
