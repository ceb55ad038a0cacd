// POST /platform/api/tenants/{slug}/domains {hostname, primary?, verified?}: a custom domain, pending
// with a TXT record unless the operator adds it verified (409 when another tenant holds it).
import { addDomainBody, slugParam } from "@/lib/console/console-input";
import { addTenantDomain } from "@/lib/console/tenant-actions";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { readJson } from "@/lib/http/read-json";
import { routeParam, withOperator } from "@/lib/http/with-operator";

export const POST = withOperator(async ({ request, actor }, route) => {
  const slug = parseOrThrow(slugParam, await routeParam(route, "slug"), "tenant slug");
  const input = await readJson(request, addDomainBody, "domain");
  return Response.json(await addTenantDomain(slug, input, actor), { status: 201 });
});
