import { parseOrThrow } from "@/lib/errors/from-zod";
import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { rotateWebhookSecret } from "@/lib/integrations/integrations";
import { rotateSecretInput } from "@/lib/integrations/settings";
import { assertIntegrationInScope } from "@/lib/organizations/scope";

// Keys scoped to an organization reach only that organization's integrations (others: 404), as on the integration itself.
export const POST = withPrincipal(
  "integrations:write",
  async ({ tenant, request, principal, actor }, route) => {
    const id = String((await route.params).id);
    await assertIntegrationInScope(tenant.slug, principal, id);
    const body =
      request.headers.get("content-length") === "0" || !request.body
        ? parseOrThrow(rotateSecretInput, {}, "rotation")
        : await readJson(request, rotateSecretInput, "rotation");
    const { integration, secret } = await rotateWebhookSecret(tenant.slug, id, body, actor);
    return Response.json({ ...integration, secret }, { headers: { "cache-control": "no-store" } });
  },
  { organizationScope: true },
);
export const OPTIONS = corsPreflight;
