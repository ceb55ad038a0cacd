import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { replayEvents, replayInput } from "@/lib/integrations/inbox/replay";

export const POST = withPrincipal("integrations:write", async ({ tenant, request, actor }, route) => {
  const body = await readJson(request, replayInput, "replay");
  return Response.json(await replayEvents(tenant.slug, String((await route.params).id), body, actor), { status: 202 });
});
export const OPTIONS = corsPreflight;
