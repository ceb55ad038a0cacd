import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { integrationHealth } from "@/lib/integrations/health";
import { assertIntegrationInScope } from "@/lib/organizations/scope";

// Keys scoped to an organization reach only that organization's integrations (others: 404), as on the integration itself.
export const GET = withPrincipal(
  "integrations:read",
  async ({ tenant, principal }, route) => {
    const id = String((await route.params).id);
    await assertIntegrationInScope(tenant.slug, principal, id);
    return Response.json(await integrationHealth(tenant.slug, id), { headers: { "cache-control": "no-store" } });
  },
  { organizationScope: true },
);
export const OPTIONS = corsPreflight;
