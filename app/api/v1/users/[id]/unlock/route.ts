import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { unlockMember } from "@/lib/members/members";

export const POST = withPrincipal("members:unlock", async ({ tenant, actor }, route) => {
  await unlockMember(tenant.slug, String((await route.params).id), actor);
  return new Response(null, { status: 204 });
});
export const OPTIONS = corsPreflight;
