// POST /platform/api/tenants/{slug}/domains {hostname, primary?}: a custom domain (409 when claimed).
import { addDomainBody, slugParam } from "@/lib/console/console-input";
import { addTenantDomain } from "@/lib/console/tenant-actions";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { readJson } from "@/lib/http/read-json";
import { routeParam, withOperator } from "@/lib/http/with-operator";

export const POST = withOperator(async ({ request, actor }, route) => {
  const slug = parseOrThrow(slugParam, await routeParam(route, "slug"), "tenant slug");
  const input = await readJson(request, addDomainBody, "domain");
  const d = await addTenantDomain(slug, input, actor);
  return Response.json({ hostname: d.hostname, verified: d.verified, primary: d.primary }, { status: 201 });
});
