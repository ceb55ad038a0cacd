import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { queryObject, readJson } from "@/lib/http/read-json";
import { invitationUrl } from "@/lib/http/tenant-url";
import { createMember, createMemberInput, listMembers } from "@/lib/members/members";

export const GET = withPrincipal("members:read", async ({ tenant, request }) => {
  const { data, nextCursor } = await listMembers(tenant.slug, queryObject(request));
  return Response.json({ data, next_cursor: nextCursor });
});

export const POST = withPrincipal("members:write", async ({ tenant, request, principal, actor }) => {
  const input = await readJson(request, createMemberInput, "member");
  const { member, invitationToken } = await createMember(tenant.slug, principal, input, actor);
  const body = invitationToken ? { ...member, invitation_url: invitationUrl(request.headers, tenant.slug, invitationToken) } : member;
  // The invitation link is a one-time secret: never cached.
  return Response.json(body, { status: 201, headers: { location: `/api/v1/users/${member.id}`, "cache-control": "no-store" } });
});
export const OPTIONS = corsPreflight;
