"use server";
// My account: password, two-factor authentication, sessions, and (owners) the
// organisation's MFA requirement. Thin glue over lib/auth/account.ts and friends.
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";
import { changePassword, confirmMfaEnrolment, disableMfa, regenerateRecoveryCodes, startMfaEnrolment } from "@/lib/auth/account";
import { adminRoles } from "@/lib/auth/permissions";
import { revokeSession } from "@/lib/auth/sessions";
import { tenantAction } from "@/lib/http/tenant-action";

const code = text().trim().min(1, "Enter the 6-digit code from your app.").max(textLimits.accountCode);

const passwordInput = z
  .object({
    currentPassword: text().max(textLimits.password),
    newPassword: text().max(textLimits.password),
    confirmPassword: text().max(textLimits.password),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "The two new passwords differ." });

export const changePasswordAction = tenantAction({ permission: null, input: passwordInput, what: "password change" }, async (ctx, v) => {
  const done = await changePassword(
    ctx.tenant.slug,
    ctx.principal.id,
    ctx.principal.sessionId,
    { currentPassword: v.currentPassword, newPassword: v.newPassword },
    ctx.actor,
  );
  revalidatePath("/account");
  return done;
});

export type MfaSetup = { secret: string; uri: string; qrDataUrl: string };

export const startMfaAction = tenantAction({ permission: null, input: z.object({}), what: "MFA set-up", allowMfaSetup: true }, async (ctx): Promise<MfaSetup> =>
  startMfaEnrolment(ctx.tenant.slug, ctx.principal.id, ctx.tenant.name, ctx.actor),
);

export const confirmMfaAction = tenantAction(
  { permission: null, input: z.object({ code }), what: "MFA set-up", allowMfaSetup: true },
  async (ctx, v): Promise<string[]> => {
    const codes = await confirmMfaEnrolment(ctx.tenant.slug, ctx.principal.id, v.code, ctx.actor);
    revalidatePath("/", "layout");
    return codes;
  },
);

export const regenerateCodesAction = tenantAction(
  { permission: null, input: z.object({ code }), what: "recovery codes" },
  async (ctx, v): Promise<string[]> => {
    const codes = await regenerateRecoveryCodes(ctx.tenant.slug, ctx.principal.id, v.code, ctx.actor);
    revalidatePath("/account");
    return codes;
  },
);

export const disableMfaAction = tenantAction({ permission: null, input: z.object({ code }), what: "MFA turn-off" }, async (ctx, v) => {
  const required = ctx.settings.mfaRequiredForAdmins && adminRoles.includes(ctx.principal.role);
  await disableMfa(ctx.tenant.slug, ctx.principal.id, v.code, required, ctx.actor);
  revalidatePath("/account");
  return { disabled: true };
});

export const revokeSessionAction = tenantAction({ permission: null, input: z.object({ id: text().max(100) }), what: "session revoke" }, async (ctx, v) => {
  await revokeSession(ctx.tenant.slug, ctx.principal.id, v.id, ctx.actor);
  revalidatePath("/account");
  return { revoked: v.id };
});
