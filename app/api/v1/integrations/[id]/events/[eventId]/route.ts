import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { getInboxEvent } from "@/lib/integrations/inbox/list-events";
import { assertIntegrationInScope } from "@/lib/organizations/scope";

// Keys scoped to an organization reach only that organization's integrations (others: 404), as on the integration itself.
export const GET = withPrincipal(
  "integrations:read",
  async ({ tenant, principal }, route) => {
    const params = await route.params;
    await assertIntegrationInScope(tenant.slug, principal, String(params.id));
    return Response.json(await getInboxEvent(tenant.slug, String(params.id), String(params.eventId)), { headers: { "cache-control": "no-store" } });
  },
  { organizationScope: true },
);
export const OPTIONS = corsPreflight;
