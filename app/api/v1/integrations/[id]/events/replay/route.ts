import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { replayEvents, replayInput } from "@/lib/integrations/inbox/replay";
import { assertIntegrationInScope } from "@/lib/organizations/scope";

// Keys scoped to an organization reach only that organization's integrations (others: 404), as on the integration itself.
export const POST = withPrincipal(
  "integrations:write",
  async ({ tenant, request, principal, actor }, route) => {
    const id = String((await route.params).id);
    await assertIntegrationInScope(tenant.slug, principal, id);
    const body = await readJson(request, replayInput, "replay");
    return Response.json(await replayEvents(tenant.slug, id, body, actor), { status: 202 });
  },
  { organizationScope: true },
);
export const OPTIONS = corsPreflight;
