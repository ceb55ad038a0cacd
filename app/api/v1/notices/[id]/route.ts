import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { dismissNotice } from "@/lib/integrations/notices";

/** Dismisses (marks read) one notice. */
export const DELETE = withPrincipal("integrations:write", async ({ tenant, actor }, route) => {
  await dismissNotice(tenant.slug, String((await route.params).id), actor);
  return new Response(null, { status: 204 });
});
export const OPTIONS = corsPreflight;
