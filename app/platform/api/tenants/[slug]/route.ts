// GET /platform/api/tenants/{slug}[?verifyAudit=1]: the detail page's data as JSON.
import { z } from "zod";
import { slugParam } from "@/lib/console/console-input";
import { tenantDetail } from "@/lib/console/tenant-health";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { queryObject } from "@/lib/http/read-json";
import { routeParam, withOperator } from "@/lib/http/with-operator";

const detailQuery = z.object({ verifyAudit: z.enum(["0", "1"]).optional() }).strict();

export const GET = withOperator(async ({ request }, route) => {
  const slug = parseOrThrow(slugParam, await routeParam(route, "slug"), "tenant slug");
  const query = parseOrThrow(detailQuery, queryObject(request), "query");
  return Response.json(await tenantDetail(slug, { verifyAudit: query.verifyAudit === "1" }));
});
