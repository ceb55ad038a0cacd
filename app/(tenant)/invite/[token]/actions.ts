"use server";
import { z } from "zod";
import { anonymousContext } from "@/lib/http/request-meta";
import { publicTenantAction } from "@/lib/http/tenant-action";
import { acceptInvitation } from "@/lib/members/members";

const input = z
  .object({
    token: z.string().min(1).max(200),
    name: z
      .string()
      .trim()
      .max(100, "Use at most 100 characters.")
      .optional()
      .transform((v) => v || undefined),
    password: z.string().min(1, "Choose a password.").max(256),
    confirmPassword: z.string().max(256),
  })
  .refine((v) => v.password === v.confirmPassword, { path: ["confirmPassword"], message: "The two passwords differ." });

/** Sets the invited member's name and password (the policy is checked in lib), then on to sign-in. */
export const acceptInvitationAction = publicTenantAction({ input, what: "invitation" }, async (ctx, v) => {
  await acceptInvitation(ctx.tenant.slug, v.token, { name: v.name, password: v.password }, anonymousContext(ctx.meta));
  // The form navigates: see followRedirect in components/form.tsx for why not redirect().
  return { redirectTo: "/sign-in?accepted=1" };
});
