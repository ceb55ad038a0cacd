// GET /platform/api/tenants?q=&status=&page=: search; POST {slug, name, ownerEmail}: create with the owner invited.
import { createTenantBody, tenantSearchQuery } from "@/lib/console/console-input";
import { deliverOwnerInvitation } from "@/lib/console/owner-invitation";
import { createTenantAsOperator } from "@/lib/console/tenant-actions";
import { searchTenants } from "@/lib/console/tenant-overview";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { queryObject, readJson } from "@/lib/http/read-json";
import { invitationUrl } from "@/lib/http/tenant-url";
import { withOperator } from "@/lib/http/with-operator";

export const GET = withOperator(async ({ request }) =>
  Response.json(await searchTenants(parseOrThrow(tenantSearchQuery, queryObject(request), "tenant search"))),
);

export const POST = withOperator(async ({ request, actor }) => {
  const input = await readJson(request, createTenantBody, "tenant");
  const tenant = await createTenantAsOperator(input, actor);
  // Emailed to the owner; only when that fails is the link shown to the operator (once: only its hash is stored).
  const invitation = await deliverOwnerInvitation({
    email: input.ownerEmail,
    tenantName: tenant.name,
    link: invitationUrl(request.headers, tenant.slug, tenant.ownerInvitationToken),
  });
  return Response.json({ tenant: { slug: tenant.slug, name: tenant.name, status: tenant.status }, invitation }, { status: 201 });
});
