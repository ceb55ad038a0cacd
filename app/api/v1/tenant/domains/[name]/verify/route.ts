import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { verifyDomain } from "@/lib/tenancy/domains";
import { domainNameParam } from "@/lib/tenancy/domain-input";

export const dynamic = "force-dynamic";

/** Checks the domain's TXT record with DNS: 200 with the verified domain, 422 while it is missing. */
export const POST = withPrincipal("settings:write", async ({ tenant, actor }, route) =>
  Response.json(await verifyDomain(tenant.slug, await domainNameParam(route), actor)),
);
export const OPTIONS = corsPreflight;
