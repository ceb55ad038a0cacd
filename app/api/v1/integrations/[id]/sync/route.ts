import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { requestSync } from "@/lib/integrations/sync/request-sync";
import { listSyncRuns } from "@/lib/integrations/sync/sync-runs";

/** The integration's recent sync runs. */
export const GET = withPrincipal("integrations:read", async ({ tenant }, route) =>
  Response.json({ data: await listSyncRuns(tenant.slug, String((await route.params).id)) }),
);

/** Starts a sync now (runs in the workflow engine; poll GET for the run). */
export const POST = withPrincipal("integrations:write", async ({ tenant }, route) =>
  Response.json(await requestSync(tenant.slug, String((await route.params).id), "manual"), { status: 202 }),
);
export const OPTIONS = corsPreflight;
