import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { integrationHealth } from "@/lib/integrations/health";

export const GET = withPrincipal("integrations:read", async ({ tenant }, route) =>
  Response.json(await integrationHealth(tenant.slug, String((await route.params).id)), { headers: { "cache-control": "no-store" } }),
);
export const OPTIONS = corsPreflight;
