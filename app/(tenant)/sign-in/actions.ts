"use server";
// Browser sign-in: password step, then (when enrolled) the second-factor step; the
// ticket either step yields is redeemed by next-auth, which sets the cookie; the form
// then loads the page the user asked for (a same-host path only, lib/http/return-path.ts).
// The checks themselves live in lib/auth/sign-in-flow.ts.
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";
import { openBrowserSession } from "@/lib/auth/browser-session";
import { browserPasswordStep, browserSecondFactorStep, passwordStepInput } from "@/lib/auth/sign-in-flow";
import { safeReturnPath } from "@/lib/http/return-path";
import { publicTenantAction, type PublicActionContext } from "@/lib/http/tenant-action";

export type SignInResult = { challenge: string; redirectTo?: undefined } | { redirectTo: string; challenge?: undefined };

/** Redeems the ticket: next-auth opens the session and sets the cookie; the form then opens `next`. */
async function redeem(ctx: PublicActionContext, ticket: string, next: string | undefined): Promise<SignInResult> {
  await openBrowserSession(ctx.tenant, ctx.settings, ctx.meta, ticket);
  return { redirectTo: safeReturnPath(next) };
}

// Any string: an unsafe `next` is not an error, it just means the home page.
const nextField = { next: z.string().max(4_000).optional() };

export const passwordStepAction = publicTenantAction(
  { input: passwordStepInput.extend(nextField), what: "sign-in" },
  async (ctx, input): Promise<SignInResult> => {
    const step = await browserPasswordStep(ctx.tenant.slug, ctx.settings, input, ctx.meta);
    if (step.step === "mfa") return { challenge: step.challenge };
    return redeem(ctx, step.ticket, input.next);
  },
);

const codeStepInput = z.object({
  challenge: text().min(1).max(4_000),
  code: text().trim().min(1, "Enter the code from your app, or a recovery code.").max(textLimits.signInCode),
  ...nextField,
});

export const codeStepAction = publicTenantAction({ input: codeStepInput, what: "sign-in" }, async (ctx, input): Promise<SignInResult> => {
  const ticket = await browserSecondFactorStep(ctx.tenant.slug, ctx.settings, input.challenge, input.code, ctx.meta);
  return redeem(ctx, ticket, input.next);
});
