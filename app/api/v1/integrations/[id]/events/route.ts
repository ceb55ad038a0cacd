import { queryObject } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { listInboxEvents } from "@/lib/integrations/inbox/list-events";

export const GET = withPrincipal("integrations:read", async ({ tenant, request }, route) => {
  const { data, nextCursor } = await listInboxEvents(tenant.slug, String((await route.params).id), queryObject(request));
  return Response.json({ data, next_cursor: nextCursor });
});
export const OPTIONS = corsPreflight;
