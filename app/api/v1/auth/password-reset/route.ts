import { after } from "next/server";
import { sendPasswordResetLink } from "@/lib/accounts/password-reset";
import { passwordResetRequestInput } from "@/lib/accounts/schemas";
import { readJson } from "@/lib/http/read-json";
import { tenantOrigin } from "@/lib/http/tenant-url";
import { corsPreflight, withTenant } from "@/lib/http/with-tenant";
import { limitAccountEmailRequest } from "@/lib/ratelimit/account-email-limit";

// The same 202 whether or not the address has an account: the look-up and the mail
// happen after the response, so its timing says nothing either.
export const POST = withTenant(async ({ request, tenant, meta }) => {
  const { email } = await readJson(request, passwordResetRequestInput, "password reset request");
  await limitAccountEmailRequest(tenant.slug, meta.ip);
  const origin = tenantOrigin(request.headers, tenant.slug);
  after(() => sendPasswordResetLink(tenant, email, origin, meta));
  return Response.json(
    { status: "accepted", detail: "If the address belongs to an account here, a link to choose a new password is on its way. It works once, for one hour." },
    { status: 202 },
  );
});
export const OPTIONS = corsPreflight;
