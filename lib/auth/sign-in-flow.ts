// The two sign-in front doors over one set of checks: the browser (password, then a
// second factor when enrolled, then a one-time ticket next-auth redeems) and the API
// token endpoint (password and optional code in one request, then a token pair).
import { signInFailures } from "./metrics";
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";
import { withAudit } from "@/lib/audit/with-audit";
import { AppError } from "@/lib/errors/app-error";
import type { RequestMeta } from "@/lib/http/request-meta";
import { countFailedSignIn, limitSignIn } from "@/lib/ratelimit/sign-in-limit";
import type { RateLimitResult } from "@/lib/ratelimit/limiter";
import type { TenantSettings } from "@/lib/tenancy/settings";
import { adminRoles } from "./permissions";
import { checkPassword, checkSecondFactor, invalidCredentialsMessage, recordSignIn, signedInContext, type AuthenticatedUser } from "./authenticate";
import { issueTokenPair, type TokenPair } from "./refresh-tokens";
import { createSession } from "./sessions";
import { signToken, verifyToken } from "./signed-tokens";

export const passwordStepInput = z.object({
  email: text().trim().min(1, "Enter your email address.").max(textLimits.email),
  password: text().min(1, "Enter your password.").max(textLimits.password),
});

export const tokenRequestInput = passwordStepInput.extend({ otp: text().trim().max(32).optional() }).strict();

const invalid = () => new AppError("unauthorized", invalidCredentialsMessage, [], { reason: "invalid_credentials" });

/** A failed attempt counts toward the tenant's failed sign-ins before its error goes out. */
async function failed(tenant: string, settings: TenantSettings, err: AppError): Promise<AppError> {
  signInFailures.inc({ reason: err.reason ?? err.code });
  await countFailedSignIn(tenant, settings);
  return err;
}

export type BrowserStep = { step: "ticket"; ticket: string } | { step: "mfa"; challenge: string };

/** Browser, step one. */
export async function browserPasswordStep(
  tenant: string,
  settings: TenantSettings,
  raw: z.input<typeof passwordStepInput>,
  meta: RequestMeta,
): Promise<BrowserStep> {
  const input = passwordStepInput.parse(raw);
  await limitSignIn(tenant, { ip: meta.ip, email: input.email.toLowerCase() }, settings);
  const result = await checkPassword(tenant, input.email, input.password, meta);
  if (result.status === "invalid") throw await failed(tenant, settings, invalid());
  if (result.status === "mfa_required") return { step: "mfa", challenge: await signToken("mfa-challenge", { tenant, userId: result.user.id }) };
  return { step: "ticket", ticket: await signToken("sign-in-ticket", { tenant, userId: result.user.id }) };
}

/** Browser, step two: the challenge from step one and a TOTP or recovery code. */
export async function browserSecondFactorStep(tenant: string, settings: TenantSettings, challenge: string, code: string, meta: RequestMeta): Promise<string> {
  const claims = await verifyToken("mfa-challenge", challenge, tenant);
  if (!claims) throw new AppError("unauthorized", "The sign-in took too long; start again with your email and password.", [], { reason: "challenge_expired" });
  await limitSignIn(tenant, { ip: meta.ip, email: `user:${claims.userId}` }, settings);
  const user = await checkSecondFactor(tenant, claims.userId, code, meta);
  if (!user) {
    throw await failed(
      tenant,
      settings,
      new AppError(
        "unauthorized",
        "That code is not right. Use the 6-digit code from your app, or a recovery code.",
        [{ path: "code", message: "Wrong code." }],
        { reason: "invalid_code" },
      ),
    );
  }
  return signToken("sign-in-ticket", { tenant, userId: user.id, mfa: true });
}

/** POST /api/v1/auth/token: a new API session (token family) and its first pair. */
export async function issueTokensForPassword(
  tenant: string,
  settings: TenantSettings,
  raw: z.infer<typeof tokenRequestInput>,
  meta: RequestMeta,
): Promise<{ pair: TokenPair; rateLimit: RateLimitResult }> {
  const rateLimit = await limitSignIn(tenant, { ip: meta.ip, email: raw.email.toLowerCase() }, settings);
  const result = await checkPassword(tenant, raw.email, raw.password, meta);
  if (result.status === "invalid") throw await failed(tenant, settings, invalid());
  let user: AuthenticatedUser = result.user;
  if (result.status === "mfa_required") {
    if (!raw.otp) {
      throw new AppError("unauthorized", "This account uses two-factor authentication: send the current code as `otp`.", [], { reason: "mfa_required" });
    }
    const second = await checkSecondFactor(tenant, result.user.id, raw.otp, meta);
    if (!second) throw await failed(tenant, settings, new AppError("unauthorized", "The one-time code is not right.", [], { reason: "invalid_otp" }));
    user = second;
  } else if (settings.mfaRequiredForAdmins && adminRoles.includes(user.role)) {
    throw new AppError("forbidden", "This organisation requires two-factor authentication for admins: set it up in the browser first.", [], {
      reason: "mfa_setup_required",
    });
  }
  const signedIn = user;
  const pair = await withAudit(tenant, signedInContext(signedIn, meta), async (tx, audit) => {
    const session = await createSession(tx, { userId: signedIn.id, kind: "api", meta });
    const issued = await issueTokenPair(tx, tenant, signedIn, session.id);
    await recordSignIn(tx, audit, signedIn, "api");
    return issued;
  });
  return { pair, rateLimit };
}
