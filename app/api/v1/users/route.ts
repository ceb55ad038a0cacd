import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { queryObject, readJson } from "@/lib/http/read-json";
import { tenantOrigin } from "@/lib/http/tenant-url";
import { deliverInvitation } from "@/lib/members/invitations";
import { createMember, createMemberInput, listMembers } from "@/lib/members/members";

export const GET = withPrincipal("members:read", async ({ tenant, request }) => {
  const { data, nextCursor } = await listMembers(tenant.slug, queryObject(request));
  return Response.json({ data, next_cursor: nextCursor });
});

export const POST = withPrincipal("members:write", async ({ tenant, request, principal, actor }) => {
  const input = await readJson(request, createMemberInput, "member");
  const { member, invitationToken, invitationExpiresAt } = await createMember(tenant.slug, principal, input, actor);
  // An invited member gets the link by email; the caller gets it too, once, for when the mail did not go out.
  const delivery =
    invitationToken && invitationExpiresAt
      ? await deliverInvitation(
          tenant,
          { email: member.email, token: invitationToken, expiresAt: invitationExpiresAt, invitedBy: principal.kind === "user" ? principal.email : null },
          tenantOrigin(request.headers, tenant.slug),
        )
      : undefined;
  const body = delivery
    ? { ...member, invitation_url: delivery.url, invitation_sent: delivery.sent, invitation_expires_at: delivery.expiresAt.toISOString() }
    : member;
  // The invitation link is a one-time secret: never cached.
  return Response.json(body, { status: 201, headers: { location: `/api/v1/users/${member.id}`, "cache-control": "no-store" } });
});
export const OPTIONS = corsPreflight;
