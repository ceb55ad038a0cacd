"use server";
import { resetPassword } from "@/lib/accounts/password-reset";
import { passwordResetConfirmInput } from "@/lib/accounts/schemas";
import { publicTenantAction } from "@/lib/http/tenant-action";
import { limitAccountEmailRequest } from "@/lib/ratelimit/account-email-limit";
import { text } from "@/lib/zod/text";

const input = passwordResetConfirmInput
  .extend({ confirmPassword: text().max(256) })
  .refine((v) => v.password === v.confirmPassword, { path: ["confirmPassword"], message: "The two passwords differ." });

/** Sets the new password; every session ends (this browser's too), so on to sign-in. */
export const resetPasswordAction = publicTenantAction({ input, what: "password reset" }, async (ctx, v) => {
  await limitAccountEmailRequest(ctx.tenant.slug, ctx.meta.ip);
  await resetPassword(ctx.tenant.slug, { token: v.token, password: v.password }, ctx.meta);
  return { redirectTo: "/sign-in?reset=1" };
});
