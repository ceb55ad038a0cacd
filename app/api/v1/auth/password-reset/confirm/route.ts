import { resetPassword } from "@/lib/accounts/password-reset";
import { passwordResetConfirmInput } from "@/lib/accounts/schemas";
import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withTenant } from "@/lib/http/with-tenant";
import { limitAccountEmailRequest } from "@/lib/ratelimit/account-email-limit";

export const POST = withTenant(async ({ request, tenant, meta }) => {
  const input = await readJson(request, passwordResetConfirmInput, "password reset");
  await limitAccountEmailRequest(tenant.slug, meta.ip);
  const { email, sessionsRevoked } = await resetPassword(tenant.slug, input, meta);
  return Response.json({ email, sessions_revoked: sessionsRevoked });
});
export const OPTIONS = corsPreflight;
