import { z } from "zod";
import { queryObject } from "@/lib/http/read-json";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { listSyncedRecords } from "@/lib/integrations/records/list-records";

const query = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();

export const GET = withPrincipal("integrations:read", async ({ tenant, request }, route) => {
  const { limit } = parseOrThrow(query, queryObject(request), "query");
  return Response.json({ data: await listSyncedRecords(tenant.slug, String((await route.params).id), limit) });
});
export const OPTIONS = corsPreflight;
