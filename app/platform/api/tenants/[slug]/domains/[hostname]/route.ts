// DELETE /platform/api/tenants/{slug}/domains/{hostname}
import { hostnameParam, slugParam } from "@/lib/console/console-input";
import { removeTenantDomain } from "@/lib/console/tenant-actions";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { routeParam, withOperator } from "@/lib/http/with-operator";

export const DELETE = withOperator(async ({ actor }, route) => {
  const slug = parseOrThrow(slugParam, await routeParam(route, "slug"), "tenant slug");
  const hostname = parseOrThrow(hostnameParam, await routeParam(route, "hostname"), "hostname");
  await removeTenantDomain(slug, hostname, actor);
  return new Response(null, { status: 204 });
});
