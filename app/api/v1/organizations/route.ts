import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { createOrganization, listOrganizations } from "@/lib/organizations/organizations";
import { createOrganizationInput } from "@/lib/organizations/schemas";

export const dynamic = "force-dynamic";

/** A key scoped to an organization lists only that one. */
export const GET = withPrincipal(
  "organizations:read",
  async ({ tenant, principal }) => Response.json({ data: await listOrganizations(tenant.slug, principal) }),
  {
    organizationScope: true,
  },
);

export const POST = withPrincipal("organizations:write", async ({ tenant, request, actor }) => {
  const input = await readJson(request, createOrganizationInput, "organization");
  const organization = await createOrganization(tenant.slug, input, actor);
  return Response.json(organization, { status: 201, headers: { location: `/api/v1/organizations/${organization.id}` } });
});
export const OPTIONS = corsPreflight;
