import { z } from "zod";
import { queryObject } from "@/lib/http/read-json";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { listSyncedRecords } from "@/lib/integrations/records/list-records";
import { assertIntegrationInScope } from "@/lib/organizations/scope";

const query = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();

// Keys scoped to an organization reach only that organization's integrations (others: 404), as on the integration itself.
export const GET = withPrincipal(
  "integrations:read",
  async ({ tenant, request, principal }, route) => {
    const id = String((await route.params).id);
    await assertIntegrationInScope(tenant.slug, principal, id);
    const { limit } = parseOrThrow(query, queryObject(request), "query");
    return Response.json({ data: await listSyncedRecords(tenant.slug, id, limit) });
  },
  { organizationScope: true },
);
export const OPTIONS = corsPreflight;
