"use server";
// Server actions shared by every tenant page (the header's sign-out).
import { z } from "zod";
import { nextAuth } from "@/lib/auth/next-auth";
import { revokeSession } from "@/lib/auth/sessions";
import { tenantAction } from "@/lib/http/tenant-action";

/** Revokes the server-side session first (so the cookie is dead even if kept), then clears the cookie. */
export const signOutAction = tenantAction({ permission: null, input: z.object({}), what: "sign out", allowMfaSetup: true }, async (ctx) => {
  await revokeSession(ctx.tenant.slug, ctx.principal.id, ctx.principal.sessionId, ctx.actor, "signed out");
  await nextAuth().signOut({ redirect: false });
  // The button navigates: see followRedirect in components/form.tsx for why not redirect().
  return { redirectTo: "/sign-in" };
});
