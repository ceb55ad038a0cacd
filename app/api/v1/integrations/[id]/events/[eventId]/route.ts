import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { getInboxEvent } from "@/lib/integrations/inbox/list-events";

export const GET = withPrincipal("integrations:read", async ({ tenant }, route) => {
  const params = await route.params;
  return Response.json(await getInboxEvent(tenant.slug, String(params.id), String(params.eventId)), { headers: { "cache-control": "no-store" } });
});
export const OPTIONS = corsPreflight;
