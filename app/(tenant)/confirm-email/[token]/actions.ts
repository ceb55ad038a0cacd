"use server";
import { confirmEmailChange } from "@/lib/accounts/email-change";
import { emailConfirmInput } from "@/lib/accounts/schemas";
import { publicTenantAction } from "@/lib/http/tenant-action";
import { limitAccountEmailRequest } from "@/lib/ratelimit/account-email-limit";

/** A button, not the link itself: mail scanners that open links must not confirm for the user. */
export const confirmEmailAction = publicTenantAction({ input: emailConfirmInput, what: "email confirmation" }, async (ctx, v) => {
  await limitAccountEmailRequest(ctx.tenant.slug, ctx.meta.ip);
  return confirmEmailChange(ctx.tenant.slug, v.token, ctx.meta);
});
