import { confirmEmailChange } from "@/lib/accounts/email-change";
import { emailConfirmInput } from "@/lib/accounts/schemas";
import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withTenant } from "@/lib/http/with-tenant";
import { limitAccountEmailRequest } from "@/lib/ratelimit/account-email-limit";

// No sign-in needed: the link may be opened on another device; the token is the proof.
export const POST = withTenant(async ({ request, tenant, meta }) => {
  const { token } = await readJson(request, emailConfirmInput, "email confirmation");
  await limitAccountEmailRequest(tenant.slug, meta.ip);
  return Response.json(await confirmEmailChange(tenant.slug, token, meta));
});
export const OPTIONS = corsPreflight;
