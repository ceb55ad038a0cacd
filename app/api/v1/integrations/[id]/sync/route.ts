import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { requestSync } from "@/lib/integrations/sync/request-sync";
import { listSyncRuns } from "@/lib/integrations/sync/sync-runs";
import { assertIntegrationInScope } from "@/lib/organizations/scope";

// Keys scoped to an organization reach only that organization's integrations (others: 404), as on the integration itself.

/** The integration's recent sync runs. */
export const GET = withPrincipal(
  "integrations:read",
  async ({ tenant, principal }, route) => {
    const id = String((await route.params).id);
    await assertIntegrationInScope(tenant.slug, principal, id);
    return Response.json({ data: await listSyncRuns(tenant.slug, id) });
  },
  { organizationScope: true },
);

/** Starts a sync now (runs in the workflow engine; poll GET for the run). */
export const POST = withPrincipal(
  "integrations:write",
  async ({ tenant, principal }, route) => {
    const id = String((await route.params).id);
    await assertIntegrationInScope(tenant.slug, principal, id);
    return Response.json(await requestSync(tenant.slug, id, "manual"), { status: 202 });
  },
  { organizationScope: true },
);
export const OPTIONS = corsPreflight;
