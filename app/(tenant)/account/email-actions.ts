"use server";
import { headers } from "next/headers";
import { requestEmailChange } from "@/lib/accounts/email-change";
import { emailChangeInput } from "@/lib/accounts/schemas";
import { AppError } from "@/lib/errors/app-error";
import { tenantAction } from "@/lib/http/tenant-action";
import { tenantOrigin } from "@/lib/http/tenant-url";

export const changeEmailAction = tenantAction({ permission: null, input: emailChangeInput, what: "email change" }, async (ctx, v) => {
  const { sent } = await requestEmailChange(ctx.tenant, ctx.principal.id, v, tenantOrigin(await headers(), ctx.tenant.slug), ctx.actor);
  if (!sent) throw new AppError("unavailable", "The confirmation email could not be sent; try again in a minute.");
  return { newEmail: v.newEmail };
});
