import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { readJson } from "@/lib/http/read-json";
import { getMember, removeMember, updateMember, updateMemberInput } from "@/lib/members/members";

const idOf = async (route: { params: Promise<Record<string, string | string[]>> }) => String((await route.params).id);

export const GET = withPrincipal("members:read", async ({ tenant }, route) => Response.json(await getMember(tenant.slug, await idOf(route))));

// Object rules (own profile, owner role, last owner) are checked in lib/members.
export const PATCH = withPrincipal(null, async ({ tenant, request, principal, actor }, route) => {
  const input = await readJson(request, updateMemberInput, "member");
  return Response.json(await updateMember(tenant.slug, principal, await idOf(route), input, actor));
});

export const DELETE = withPrincipal("members:write", async ({ tenant, principal, actor }, route) => {
  await removeMember(tenant.slug, principal, await idOf(route), actor);
  return new Response(null, { status: 204 });
});
export const OPTIONS = corsPreflight;
