"use server";
// Asking for a password reset link: the same answer whether or not the address has an
// account; the look-up and the email run after the response (lib/accounts/password-reset.ts).
import { after } from "next/server";
import { headers } from "next/headers";
import { sendPasswordResetLink } from "@/lib/accounts/password-reset";
import { passwordResetRequestInput } from "@/lib/accounts/schemas";
import { publicTenantAction } from "@/lib/http/tenant-action";
import { tenantOrigin } from "@/lib/http/tenant-url";
import { limitAccountEmailRequest } from "@/lib/ratelimit/account-email-limit";

export const requestResetAction = publicTenantAction({ input: passwordResetRequestInput, what: "password reset request" }, async (ctx, input) => {
  await limitAccountEmailRequest(ctx.tenant.slug, ctx.meta.ip);
  const origin = tenantOrigin(await headers(), ctx.tenant.slug);
  after(() => sendPasswordResetLink(ctx.tenant, input.email, origin, ctx.meta));
  return { email: input.email };
});
