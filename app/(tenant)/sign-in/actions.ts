"use server";
// Browser sign-in: password step, then (when enrolled) the second-factor step; the
// ticket either step yields is redeemed by next-auth, which sets the cookie; the form
// then loads the home page. The checks themselves live in lib/auth/sign-in-flow.ts.
import { AuthError } from "next-auth";
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { nextAuth } from "@/lib/auth/next-auth";
import { principalFromCookie } from "@/lib/auth/cookie-principal";
import { revokeSession } from "@/lib/auth/sessions";
import { principalAuditContext } from "@/lib/auth/principal";
import { browserPasswordStep, browserSecondFactorStep, passwordStepInput } from "@/lib/auth/sign-in-flow";
import { AppError } from "@/lib/errors/app-error";
import { publicTenantAction, type PublicActionContext } from "@/lib/http/tenant-action";

export type SignInResult = { challenge: string; redirectTo?: undefined } | { redirectTo: string; challenge?: undefined };

/** Redeems the ticket: next-auth opens the session and sets the cookie; the form then goes home. */
async function redeem(ctx: PublicActionContext, ticket: string): Promise<SignInResult> {
  // Signing in over a live session (another account): that session ends here.
  const previous = await principalFromCookie(ctx.tenant.slug, ctx.meta, ctx.settings).catch(() => null);
  if (previous) {
    await revokeSession(ctx.tenant.slug, previous.id, previous.sessionId, principalAuditContext(previous, ctx.meta), "signed in again").catch(() => undefined);
  }
  try {
    // redirect: false: the form navigates (see followRedirect in components/form.tsx).
    await nextAuth().signIn("credentials", { ticket, redirect: false, redirectTo: "/" });
  } catch (err) {
    // A ticket next-auth refused (account deactivated meanwhile, ticket reused).
    if (err instanceof AuthError) throw new AppError("unauthorized", "The sign-in could not be completed; start again with your email and password.");
    throw err;
  }
  return { redirectTo: "/" };
}

export const passwordStepAction = publicTenantAction({ input: passwordStepInput, what: "sign-in" }, async (ctx, input): Promise<SignInResult> => {
  const step = await browserPasswordStep(ctx.tenant.slug, ctx.settings, input, ctx.meta);
  if (step.step === "mfa") return { challenge: step.challenge };
  return redeem(ctx, step.ticket);
});

const codeStepInput = z.object({
  challenge: text().min(1).max(4_000),
  code: text().trim().min(1, "Enter the code from your app, or a recovery code.").max(64),
});

export const codeStepAction = publicTenantAction({ input: codeStepInput, what: "sign-in" }, async (ctx, input): Promise<SignInResult> => {
  const ticket = await browserSecondFactorStep(ctx.tenant.slug, ctx.settings, input.challenge, input.code, ctx.meta);
  return redeem(ctx, ticket);
});
