import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { createIntegration, listIntegrations } from "@/lib/integrations/integrations";
import { createIntegrationInput } from "@/lib/integrations/settings";
import { confineToScope, scopedOrganization } from "@/lib/organizations/scope";

// Keys scoped to an organization see and create only that organization's integrations.
export const GET = withPrincipal(
  "integrations:read",
  async ({ tenant, principal }) => Response.json({ data: await listIntegrations(tenant.slug, scopedOrganization(principal)) }),
  { organizationScope: true },
);

export const POST = withPrincipal(
  "integrations:write",
  async ({ tenant, request, principal, actor }) => {
    const body = confineToScope(principal, await readJson(request, createIntegrationInput, "integration"));
    const { integration, secret } = await createIntegration(tenant.slug, body, actor);
    // A webhook signing secret appears in this response only.
    return Response.json(
      { ...integration, ...(secret ? { secret } : {}) },
      { status: 201, headers: { location: `/api/v1/integrations/${integration.id}`, "cache-control": "no-store" } },
    );
  },
  { organizationScope: true },
);
export const OPTIONS = corsPreflight;
