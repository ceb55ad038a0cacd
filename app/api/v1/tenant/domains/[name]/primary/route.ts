import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { setPrimaryDomain } from "@/lib/tenancy/domains";
import { domainNameParam } from "@/lib/tenancy/domain-input";

export const dynamic = "force-dynamic";

/** Makes a verified domain the tenant's primary one. */
export const POST = withPrincipal("settings:write", async ({ tenant, actor }, route) =>
  Response.json(await setPrimaryDomain(tenant.slug, await domainNameParam(route), actor)),
);
export const OPTIONS = corsPreflight;
