import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { addOrganizationMember, listOrganizationMembers } from "@/lib/organizations/organizations";
import { addOrganizationMemberInput } from "@/lib/organizations/schemas";

export const dynamic = "force-dynamic";

const idOf = async (route: { params: Promise<Record<string, string | string[]>> }) => String((await route.params).id);

export const GET = withPrincipal(
  "organizations:read",
  async ({ tenant, principal }, route) => Response.json({ data: await listOrganizationMembers(tenant.slug, principal, await idOf(route)) }),
  { organizationScope: true },
);

// organizations:write, or the org_admin role in this organization (checked in lib/organizations).
export const POST = withPrincipal(
  "organizations:read",
  async ({ tenant, request, principal, actor }, route) => {
    const input = await readJson(request, addOrganizationMemberInput, "organization member");
    return Response.json(await addOrganizationMember(tenant.slug, principal, await idOf(route), input, actor), { status: 201 });
  },
  { organizationScope: true },
);
export const OPTIONS = corsPreflight;
