// POST /platform/api/tenants/{slug}/domains/{hostname}/{verify|primary}: check the TXT
// record (422 while it is not published), or make a verified domain the primary one.
import { domainActionSchema, hostnameParam, slugParam } from "@/lib/console/console-input";
import { setPrimaryTenantDomain, verifyTenantDomain } from "@/lib/console/tenant-actions";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { routeParam, withOperator } from "@/lib/http/with-operator";

export const POST = withOperator(async ({ actor }, route) => {
  const action = domainActionSchema.safeParse(await routeParam(route, "action"));
  if (!action.success) throw new AppError("not_found", "No such domain action (verify, primary).");
  const slug = parseOrThrow(slugParam, await routeParam(route, "slug"), "tenant slug");
  const hostname = parseOrThrow(hostnameParam, await routeParam(route, "hostname"), "hostname");
  const domain = action.data === "verify" ? await verifyTenantDomain(slug, hostname, actor) : await setPrimaryTenantDomain(slug, hostname, actor);
  return Response.json(domain);
});
