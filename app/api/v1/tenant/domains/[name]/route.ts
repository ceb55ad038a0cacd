import { AppError } from "@/lib/errors/app-error";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { listDomains, removeDomain } from "@/lib/tenancy/domains";
import { domainNameParam } from "@/lib/tenancy/domain-input";

export const dynamic = "force-dynamic";

export const GET = withPrincipal("settings:read", async ({ tenant }, route) => {
  const hostname = await domainNameParam(route);
  const domain = (await listDomains(tenant.slug)).find((d) => d.hostname === hostname);
  if (!domain) throw new AppError("not_found", `No domain ${hostname} on this tenant.`);
  return Response.json(domain);
});

export const DELETE = withPrincipal("settings:write", async ({ tenant, actor }, route) => {
  await removeDomain(tenant.slug, await domainNameParam(route), actor);
  return new Response(null, { status: 204 });
});
export const OPTIONS = corsPreflight;
