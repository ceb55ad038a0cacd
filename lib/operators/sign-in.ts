// Operator sign-in, always two steps: the password, then TOTP. After the password an
// operator gets a signed challenge (lib/auth/signed-tokens, purpose operator-challenge);
// the second step redeems it with a code. An operator still holding the CLI's one-time
// setup password gets the enrolment step instead: the QR code of the TOTP secret the
// CLI generated, and a session only once a code from it is right and a new password
// is chosen. Sign-in attempts share the tenants' strict sign-in limiter (per IP, per
// email, failed attempts overall; fails closed), keyed "@platform". Every success and
// failure goes to the platform audit log.
import type { z } from "zod";
import type { AuditContext } from "@/lib/audit/context";
import { newPasswordSchema } from "@/lib/auth/password-policy";
import { hashPassword, verifyPassword } from "@/lib/auth/passwords";
import { operatorAudience, signToken, verifyToken } from "@/lib/auth/signed-tokens";
import { totpEnrolment, totpStep } from "@/lib/auth/totp";
import { platformDb } from "@/lib/db/platform-client";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { anonymousContext, type RequestMeta } from "@/lib/http/request-meta";
import { onPrisma, recordPlatformEvent, sealPlatformAudit } from "@/lib/platform-audit/record";
import { getPool } from "@/lib/db/pool";
import { countFailedSignIn, limitSignIn } from "@/lib/ratelimit/sign-in-limit";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { openOperatorTotp } from "./credentials";
import type { operatorCodeStepInput, operatorEnrolStepInput, operatorPasswordStepInput } from "./operator-input";
import { openOperatorSession, operatorAuditContext } from "./sessions";
import { log } from "@/lib/observability/logger";

// The limiter's key space for operators: not a valid tenant slug, so never a tenant's buckets.
const limiterKey = operatorAudience;
const settings = () => defaultTenantSettings();

export const operatorInvalidCredentials = "Incorrect email or password.";

export type PasswordStepResult =
  { step: "totp"; challenge: string } | { step: "enrol"; challenge: string; enrolment: { uri: string; qrDataUrl: string; secret: string } };

async function refuse(meta: RequestMeta, email: string | undefined, reason: string, err: AppError): Promise<never> {
  await countFailedSignIn(limiterKey, settings());
  await recordPlatformEvent(getPool(), anonymousContext(meta, email?.slice(0, 200)), {
    action: "operator.sign_in_failed",
    targetType: "operator",
    summary: `operator sign-in refused: ${reason}`,
    metadata: { reason },
  }).catch((e: unknown) => log().error({ component: "operators", reason: e instanceof Error ? e.message : String(e) }, "could not audit a refused sign-in"));
  await sealPlatformAudit();
  throw err;
}

const invalidCode = () =>
  new AppError(
    "unauthorized",
    "That code is not right. Enter the current 6-digit code from your authenticator app.",
    [{ path: "code", message: "Wrong code." }],
    {
      reason: "invalid_code",
    },
  );

export async function operatorPasswordStep(input: z.infer<typeof operatorPasswordStepInput>, meta: RequestMeta): Promise<PasswordStepResult> {
  const email = input.email.toLowerCase();
  await limitSignIn(limiterKey, { ip: meta.ip, email }, settings());
  const op = await platformDb().operator.findUnique({
    where: { email },
    select: { id: true, email: true, status: true, passwordHash: true, setupExpiresAt: true, totpSecret: true, totpEnabledAt: true },
  });
  const ok = await verifyPassword(op?.passwordHash, input.password);
  const invalid = new AppError("unauthorized", operatorInvalidCredentials, [], { reason: "invalid_credentials" });
  if (!op || !ok || op.status !== "active" || !op.totpSecret) return refuse(meta, email, "invalid credentials", invalid);
  const challenge = await signToken("operator-challenge", { tenant: operatorAudience, userId: op.id });
  if (op.setupExpiresAt === null && op.totpEnabledAt) return { step: "totp", challenge };
  if (op.setupExpiresAt === null || op.setupExpiresAt.getTime() <= Date.now()) {
    return refuse(
      meta,
      email,
      "setup password expired",
      new AppError("unauthorized", "This setup password has expired. Ask for a new one (npm run operators -- reset <email>).", [], { reason: "setup_expired" }),
    );
  }
  const secret = openOperatorTotp(op.id, op.totpSecret);
  const enrolment = await totpEnrolment(secret, op.email, "Tenant Platform operators");
  return { step: "enrol", challenge, enrolment: { ...enrolment, secret } };
}

async function challengeOperator(challenge: string, meta: RequestMeta) {
  const claims = await verifyToken("operator-challenge", challenge, operatorAudience);
  if (!claims) throw new AppError("unauthorized", "The sign-in took too long; start again with your email and password.", [], { reason: "challenge_expired" });
  await limitSignIn(limiterKey, { ip: meta.ip, email: `operator:${claims.userId}` }, settings());
  const op = await platformDb().operator.findUnique({
    where: { id: claims.userId },
    select: { id: true, email: true, status: true, setupExpiresAt: true, totpSecret: true, totpEnabledAt: true, totpLastStep: true },
  });
  if (!op || op.status !== "active" || !op.totpSecret) throw new AppError("unauthorized", operatorInvalidCredentials, [], { reason: "invalid_credentials" });
  return { op, secret: openOperatorTotp(op.id, op.totpSecret) };
}

/** Step two for an enrolled operator: the code. Returns the session cookie's token. */
export async function operatorCodeStep(input: z.infer<typeof operatorCodeStepInput>, meta: RequestMeta): Promise<string> {
  const { op, secret } = await challengeOperator(input.challenge, meta);
  if (op.setupExpiresAt !== null || !op.totpEnabledAt)
    throw new AppError("conflict", "This account has not enrolled its authenticator yet: sign in with the setup password.", [], {
      reason: "enrolment_required",
    });
  const step = totpStep(secret, input.code);
  // A code is good once: its step must be newer than the last one used.
  if (step === null || (op.totpLastStep !== null && BigInt(step) <= op.totpLastStep)) return refuse(meta, op.email, "wrong TOTP code", invalidCode());
  return openSession(op, step, meta, "operator.signed_in", `operator ${op.email} signed in`);
}

/** Step two with the setup password: confirm the authenticator and choose a password. */
export async function operatorEnrolStep(input: z.infer<typeof operatorEnrolStepInput>, meta: RequestMeta): Promise<string> {
  const { op, secret } = await challengeOperator(input.challenge, meta);
  if (op.setupExpiresAt === null || op.setupExpiresAt.getTime() <= Date.now())
    throw new AppError("conflict", "There is no enrolment pending for this account; sign in again.", [], { reason: "no_enrolment" });
  parseOrThrow(newPasswordSchema(op.email), input.newPassword, "new password");
  const step = totpStep(secret, input.code);
  if (step === null) return refuse(meta, op.email, "wrong TOTP code at enrolment", invalidCode());
  const passwordHash = await hashPassword(input.newPassword);
  return openSession(op, step, meta, "operator.enrolled", `operator ${op.email} enrolled TOTP, chose a password and signed in`, passwordHash);
}

async function openSession(
  op: { id: string; email: string },
  step: number,
  meta: RequestMeta,
  action: string,
  summary: string,
  newPasswordHash?: string,
): Promise<string> {
  const ctx: AuditContext = operatorAuditContext(op, meta);
  try {
    return await platformDb().$transaction(async (tx) => {
      // The step guard in the WHERE: two concurrent requests with one code cannot both pass.
      const done = await tx.operator.updateMany({
        where: { id: op.id, status: "active", OR: [{ totpLastStep: null }, { totpLastStep: { lt: BigInt(step) } }] },
        data: {
          totpLastStep: BigInt(step),
          lastSignInAt: new Date(),
          ...(newPasswordHash ? { passwordHash: newPasswordHash, setupExpiresAt: null, totpEnabledAt: new Date() } : {}),
        },
      });
      if (done.count === 0) throw invalidCode();
      const token = await openOperatorSession(tx, op.id, meta);
      await recordPlatformEvent(onPrisma(tx), ctx, { action, targetType: "operator", targetId: op.id, summary });
      return token;
    });
  } finally {
    await sealPlatformAudit();
  }
}
