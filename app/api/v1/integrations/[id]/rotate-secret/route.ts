import { parseOrThrow } from "@/lib/errors/from-zod";
import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { rotateWebhookSecret } from "@/lib/integrations/integrations";
import { rotateSecretInput } from "@/lib/integrations/settings";

export const POST = withPrincipal("integrations:write", async ({ tenant, request, actor }, route) => {
  const body =
    request.headers.get("content-length") === "0" || !request.body
      ? parseOrThrow(rotateSecretInput, {}, "rotation")
      : await readJson(request, rotateSecretInput, "rotation");
  const { integration, secret } = await rotateWebhookSecret(tenant.slug, String((await route.params).id), body, actor);
  return Response.json({ ...integration, secret }, { headers: { "cache-control": "no-store" } });
});
export const OPTIONS = corsPreflight;
