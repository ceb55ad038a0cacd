// The operators CLI's account operations: create an operator, or reset one whose
// authenticator is lost. Either way the operator gets a one-time setup password (valid
// 24 h, stored as a hash) and a fresh TOTP secret that is not active yet: the first
// sign-in with the setup password shows the secret (QR code) and only opens a session
// once a code from it is entered and a new password chosen. So TOTP is enrolled in the
// browser by the operator, the terminal never shows the secret, and no session ever
// exists without TOTP. Both are recorded in the platform audit log.
import { randomUUID } from "node:crypto";
import type { AuditContext } from "@/lib/audit/context";
import { hashPassword } from "@/lib/auth/passwords";
import { platformDb } from "@/lib/db/platform-client";
import { newTotpSecret } from "@/lib/auth/totp";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { withPlatformAudit } from "@/lib/platform-audit/record";
import { newSetupPassword, sealOperatorTotp, setupPasswordTtlMs } from "./credentials";
import { operatorEmailSchema } from "./operator-input";

export interface OperatorSetup {
  id: string;
  email: string;
  /** Printed once; only its hash is stored. */
  setupPassword: string;
  setupExpiresAt: Date;
}

async function setupValues(id: string) {
  const setupPassword = newSetupPassword();
  return {
    setupPassword,
    passwordHash: await hashPassword(setupPassword),
    totpSecret: sealOperatorTotp(id, newTotpSecret()),
    setupExpiresAt: new Date(Date.now() + setupPasswordTtlMs),
  };
}

export async function createOperator(rawEmail: string, ctx: AuditContext): Promise<OperatorSetup> {
  const email = parseOrThrow(operatorEmailSchema, rawEmail, "email");
  const id = randomUUID();
  const v = await setupValues(id);
  try {
    await withPlatformAudit(ctx, async (client, record) => {
      await client.query(
        `INSERT INTO public.operators (id, email, status, password_hash, setup_expires_at, totp_secret, created_at, updated_at)
         VALUES ($1, $2, 'active', $3, $4, $5, now(), now())`,
        [id, email, v.passwordHash, v.setupExpiresAt, v.totpSecret],
      );
      await record({ action: "operator.created", targetType: "operator", targetId: id, summary: `operator ${email} created`, metadata: { email } });
    });
  } catch (err) {
    if ((err as { code?: string }).code === "23505") throw new AppError("conflict", `An operator with the email ${email} already exists.`);
    throw err;
  }
  return { id, email, setupPassword: v.setupPassword, setupExpiresAt: v.setupExpiresAt };
}

/** A new setup password and TOTP secret (lost authenticator or password); every session of the operator ends. */
export async function resetOperator(rawEmail: string, ctx: AuditContext): Promise<OperatorSetup> {
  const email = parseOrThrow(operatorEmailSchema, rawEmail, "email");
  return withPlatformAudit(ctx, async (client, record) => {
    const found = await client.query<{ id: string }>(`SELECT id FROM public.operators WHERE email = $1 FOR UPDATE`, [email]);
    const id = found.rows[0]?.id;
    if (!id) throw new AppError("not_found", `No operator with the email ${email}.`);
    const v = await setupValues(id);
    await client.query(
      `UPDATE public.operators SET password_hash = $2, setup_expires_at = $3, totp_secret = $4, totp_enabled_at = NULL,
              totp_last_step = NULL, status = 'active', updated_at = now() WHERE id = $1`,
      [id, v.passwordHash, v.setupExpiresAt, v.totpSecret],
    );
    await client.query(`UPDATE public.operator_sessions SET revoked_at = now() WHERE operator_id = $1 AND revoked_at IS NULL`, [id]);
    await record({
      action: "operator.reset",
      targetType: "operator",
      targetId: id,
      summary: `operator ${email} reset (new setup password and TOTP)`,
      metadata: { email },
    });
    return { id, email, setupPassword: v.setupPassword, setupExpiresAt: v.setupExpiresAt };
  });
}

/** Disables an operator: no sign-in, every session ends at once. */
export async function disableOperator(rawEmail: string, ctx: AuditContext): Promise<void> {
  const email = parseOrThrow(operatorEmailSchema, rawEmail, "email");
  await withPlatformAudit(ctx, async (client, record) => {
    const done = await client.query<{ id: string }>(`UPDATE public.operators SET status = 'disabled', updated_at = now() WHERE email = $1 RETURNING id`, [
      email,
    ]);
    const id = done.rows[0]?.id;
    if (!id) throw new AppError("not_found", `No operator with the email ${email}.`);
    await client.query(`UPDATE public.operator_sessions SET revoked_at = now() WHERE operator_id = $1 AND revoked_at IS NULL`, [id]);
    await record({ action: "operator.disabled", targetType: "operator", targetId: id, summary: `operator ${email} disabled`, metadata: { email } });
  });
}

export async function listOperators(): Promise<{ email: string; status: string; totpEnabled: boolean; lastSignInAt: Date | null; createdAt: Date }[]> {
  const rows = await platformDb().operator.findMany({
    orderBy: { email: "asc" },
    select: { email: true, status: true, totpEnabledAt: true, lastSignInAt: true, createdAt: true },
  });
  return rows.map((r) => ({ email: r.email, status: r.status, totpEnabled: r.totpEnabledAt !== null, lastSignInAt: r.lastSignInAt, createdAt: r.createdAt }));
}
