import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { addDomain, listDomains } from "@/lib/tenancy/domains";
import { addDomainInput } from "@/lib/tenancy/domain-input";

export const dynamic = "force-dynamic";

export const GET = withPrincipal("settings:read", async ({ tenant }) => Response.json({ data: await listDomains(tenant.slug) }));

/** Adds a pending domain; the answer names the TXT record to publish before verifying. */
export const POST = withPrincipal("settings:write", async ({ tenant, request, actor }) => {
  const { hostname } = await readJson(request, addDomainInput, "domain");
  const domain = await addDomain(tenant.slug, hostname, { verified: false, actor });
  return Response.json(domain, { status: 201, headers: { location: `/api/v1/tenant/domains/${domain.hostname}` } });
});
export const OPTIONS = corsPreflight;
