import { tenantOrigin } from "@/lib/http/tenant-url";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { resendInvitation, revokeInvitation } from "@/lib/members/invitations";

const idOf = async (route: { params: Promise<Record<string, string | string[]>> }) => String((await route.params).id);

/** Sends the invitation again with a new link (the old one stops working). */
export const POST = withPrincipal("members:write", async ({ request, tenant, principal, actor }, route) => {
  const delivery = await resendInvitation(tenant, principal, await idOf(route), tenantOrigin(request.headers, tenant.slug), actor);
  return Response.json(
    { sent: delivery.sent, expires_at: delivery.expiresAt.toISOString(), invitation_url: delivery.url },
    { headers: { "cache-control": "no-store" } },
  );
});

/** Revokes the invitation: the invited member is removed. */
export const DELETE = withPrincipal("members:write", async ({ tenant, principal, actor }, route) => {
  await revokeInvitation(tenant.slug, principal, await idOf(route), actor);
  return new Response(null, { status: 204 });
});
export const OPTIONS = corsPreflight;
