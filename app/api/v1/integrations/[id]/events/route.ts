import { queryObject } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { listInboxEvents } from "@/lib/integrations/inbox/list-events";
import { assertIntegrationInScope } from "@/lib/organizations/scope";

// Keys scoped to an organization reach only that organization's integrations (others: 404), as on the integration itself.
export const GET = withPrincipal(
  "integrations:read",
  async ({ tenant, request, principal }, route) => {
    const id = String((await route.params).id);
    await assertIntegrationInScope(tenant.slug, principal, id);
    const { data, nextCursor } = await listInboxEvents(tenant.slug, id, queryObject(request));
    return Response.json({ data, next_cursor: nextCursor });
  },
  { organizationScope: true },
);
export const OPTIONS = corsPreflight;
