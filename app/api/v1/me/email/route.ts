import { requestEmailChange } from "@/lib/accounts/email-change";
import { emailChangeInput } from "@/lib/accounts/schemas";
import { AppError } from "@/lib/errors/app-error";
import { readJson } from "@/lib/http/read-json";
import { tenantOrigin } from "@/lib/http/tenant-url";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";

export const POST = withPrincipal(null, async ({ request, tenant, principal, actor }) => {
  if (principal.kind !== "user") throw new AppError("forbidden", "An API key has no email address to change.", [], { reason: "user_only" });
  const input = await readJson(request, emailChangeInput, "email change");
  const { sent } = await requestEmailChange(tenant, principal.id, input, tenantOrigin(request.headers, tenant.slug), actor);
  if (!sent) throw new AppError("unavailable", "The confirmation email could not be sent; try again in a minute.", [], { headers: { "Retry-After": "60" } });
  return Response.json(
    { status: "accepted", detail: `A confirmation link is on its way to ${input.newEmail}; the address changes when it is opened (within 24 hours).` },
    { status: 202 },
  );
});
export const OPTIONS = corsPreflight;
