"use server";
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { openBrowserSession } from "@/lib/auth/browser-session";
import { signToken } from "@/lib/auth/signed-tokens";
import { anonymousContext } from "@/lib/http/request-meta";
import { publicTenantAction } from "@/lib/http/tenant-action";
import { acceptInvitation } from "@/lib/members/members";

const input = z
  .object({
    token: text().min(1).max(200),
    name: text()
      .trim()
      .max(100, "Use at most 100 characters.")
      .optional()
      .transform((v) => v || undefined),
    password: text().min(1, "Choose a password.").max(256),
    confirmPassword: text().max(256),
  })
  .refine((v) => v.password === v.confirmPassword, { path: ["confirmPassword"], message: "The two passwords differ." });

/**
 * Sets the invited member's name and password (the policy is checked in lib) and signs
 * them in: the link proved the address, and the password was just chosen. Where the
 * tenant requires two-factor authentication for the role, the session lands on its set-up.
 */
export const acceptInvitationAction = publicTenantAction({ input, what: "invitation" }, async (ctx, v) => {
  const { userId } = await acceptInvitation(ctx.tenant.slug, v.token, { name: v.name, password: v.password }, anonymousContext(ctx.meta));
  await openBrowserSession(ctx.tenant, ctx.settings, ctx.meta, await signToken("sign-in-ticket", { tenant: ctx.tenant.slug, userId }));
  // The form navigates: see followRedirect in components/form.tsx for why not redirect().
  return { redirectTo: "/?welcome=1" };
});
