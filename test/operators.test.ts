// Operator accounts of the console against real PostgreSQL and Redis: the CLI's setup
// password, TOTP enrolment in the sign-in, two-step sign-in, one-use codes, sessions
// (revocation, disabled operators, never a tenant token), and the audit of all of it.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorAudience, verifyToken } from "@/lib/auth/signed-tokens";
import { totpCode } from "@/lib/auth/totp";
import { systemContext } from "@/lib/audit/context";
import { closePool } from "@/lib/db/pool";
import { AppError, type ErrorCode } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { createOperator, disableOperator, resetOperator } from "@/lib/operators/create-operator";
import { operatorCodeStepInput, operatorEnrolStepInput, operatorPasswordStepInput } from "@/lib/operators/operator-input";
import { operatorFromToken, revokeOperatorSession } from "@/lib/operators/sessions";
import { operatorCodeStep, operatorEnrolStep, operatorPasswordStep } from "@/lib/operators/sign-in";
import { runScript } from "./support/cli";
import { rawClient } from "./support/tenants";

const meta = { requestId: "req-operators-test", userAgent: "vitest" };
const cli = systemContext("operators test");
const newEmail = () => `op-${randomBytes(4).toString("hex")}@ops.test`;
const strongPassword = "correct horse battery staple 42";
let raw: pg.Client;

async function appErrorOf(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

async function platformEvents(action: string, targetId?: string): Promise<{ seq: string; summary: string; actor_type: string; actor_label: string | null }[]> {
  const { rows } = await raw.query(
    `SELECT seq::text, summary, actor_type, actor_label FROM platform_audit.audit_log WHERE action = $1 AND ($2::text IS NULL OR target_id = $2) ORDER BY seq`,
    [action, targetId ?? null],
  );
  return rows;
}

/** Creates an operator and completes enrolment; returns what a test needs to sign in again. */
async function enrolledOperator() {
  const setup = await createOperator(newEmail(), cli);
  const first = await operatorPasswordStep({ email: setup.email, password: setup.setupPassword }, meta);
  if (first.step !== "enrol") throw new Error("expected the enrolment step");
  const secret = first.enrolment.secret;
  const usedCode = totpCode(secret);
  const token = await operatorEnrolStep({ challenge: first.challenge, code: usedCode, newPassword: strongPassword }, meta);
  return { ...setup, secret, token, usedCode };
}

beforeAll(async () => {
  raw = await rawClient();
});

afterAll(async () => {
  await raw?.end();
  await closePool();
});

describe("operator accounts", () => {
  it("the CLI creates an operator with a one-time setup password and refuses a second with the same email", async () => {
    const email = newEmail();
    const created = await runScript("scripts/operators.ts", ["create", email]);
    expect(created.code, created.stderr).toBe(0);
    const password = /one-time setup password \(valid until [^)]+\): (\S+)/.exec(created.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // Only a hash is stored, and the TOTP secret is sealed.
    const { rows } = await raw.query(`SELECT password_hash, totp_secret, totp_enabled_at, setup_expires_at FROM public.operators WHERE email = $1`, [email]);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
    expect(rows[0].password_hash).not.toContain(password);
    expect(rows[0].totp_enabled_at).toBeNull();
    expect(rows[0].setup_expires_at.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect((await platformEvents("operator.created")).some((e) => e.summary === `operator ${email} created` && e.actor_type === "system")).toBe(true);

    const again = await runScript("scripts/operators.ts", ["create", email.toUpperCase()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
    const bad = await runScript("scripts/operators.ts", ["create", "not-an-email"]);
    expect(bad.code).toBe(2);
  }, 120_000); // three CLI starts on a shared machine

  it("the setup password only opens enrolment; a session needs a right code and a policy-compliant new password", async () => {
    const setup = await createOperator(newEmail(), cli);
    const first = await operatorPasswordStep({ email: setup.email, password: setup.setupPassword }, meta);
    expect(first.step).toBe("enrol");
    if (first.step !== "enrol") return;
    expect(first.enrolment.uri).toMatch(/^otpauth:\/\/totp\//);
    expect(first.enrolment.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    const secret = first.enrolment.secret;

    // A code step is not an enrolment: 409 while enrolment is pending.
    await appErrorOf(operatorCodeStep({ challenge: first.challenge, code: totpCode(secret) }, meta), "conflict");
    const weak = await appErrorOf(operatorEnrolStep({ challenge: first.challenge, code: totpCode(secret), newPassword: "short" }, meta), "bad_request");
    expect(weak.fieldErrors[0]?.message).toMatch(/at least 12/);
    const wrongCode = totpCode(secret, Date.now() - 10 * 60_000);
    await appErrorOf(operatorEnrolStep({ challenge: first.challenge, code: wrongCode, newPassword: strongPassword }, meta), "unauthorized");
    expect((await platformEvents("operator.sign_in_failed")).some((e) => e.actor_label === setup.email && /wrong TOTP code at enrolment/.test(e.summary))).toBe(
      true,
    );

    const token = await operatorEnrolStep({ challenge: first.challenge, code: totpCode(secret), newPassword: strongPassword }, meta);
    const op = await operatorFromToken(token);
    expect(op).toMatchObject({ id: setup.id, email: setup.email });
    expect(await platformEvents("operator.enrolled", setup.id)).toHaveLength(1);

    // The setup password is gone; the new one leads to the code step.
    await appErrorOf(operatorPasswordStep({ email: setup.email, password: setup.setupPassword }, meta), "unauthorized");
    const second = await operatorPasswordStep({ email: setup.email, password: strongPassword }, meta);
    expect(second.step).toBe("totp");
    expect("enrolment" in second).toBe(false);
  });

  it("a code works once; the next step's code opens a second session; a forged or foreign challenge is refused", async () => {
    const op = await enrolledOperator();
    const step = await operatorPasswordStep({ email: op.email, password: strongPassword }, meta);
    // The enrolment used the current step: the same code again is a replay.
    await appErrorOf(operatorCodeStep({ challenge: step.challenge, code: op.usedCode }, meta), "unauthorized");
    const token = await operatorCodeStep({ challenge: step.challenge, code: totpCode(op.secret, Date.now() + 30_000) }, meta);
    expect((await operatorFromToken(token))?.email).toBe(op.email);
    expect(await platformEvents("operator.signed_in", op.id)).toHaveLength(1);

    await appErrorOf(operatorCodeStep({ challenge: `${step.challenge}x`, code: "123456" }, meta), "unauthorized");
    // A session token is not a challenge, and not a tenant's sign-in ticket.
    await appErrorOf(operatorCodeStep({ challenge: token, code: "123456" }, meta), "unauthorized");
    expect(await verifyToken("sign-in-ticket", token, "acme")).toBeNull();
    expect(await verifyToken("operator-session", token, "acme")).toBeNull();
    expect(await verifyToken("operator-session", token, operatorAudience)).not.toBeNull();
  });

  it("a revoked session, a disabled operator and a reset operator are signed out on their next request", async () => {
    const op = await enrolledOperator();
    expect(await operatorFromToken(op.token)).not.toBeNull();
    const session = (await operatorFromToken(op.token))!.sessionId;
    await revokeOperatorSession(session);
    expect(await operatorFromToken(op.token)).toBeNull();

    const step = await operatorPasswordStep({ email: op.email, password: strongPassword }, meta);
    const second = await operatorCodeStep({ challenge: step.challenge, code: totpCode(op.secret, Date.now() + 30_000) }, meta);
    await disableOperator(op.email, cli);
    expect(await operatorFromToken(second)).toBeNull();
    await appErrorOf(operatorPasswordStep({ email: op.email, password: strongPassword }, meta), "unauthorized");

    const reset = await resetOperator(op.email, cli);
    const again = await operatorPasswordStep({ email: op.email, password: reset.setupPassword }, meta);
    expect(again.step).toBe("enrol");
    if (again.step === "enrol") expect(again.enrolment.secret).not.toBe(op.secret);
    expect(await platformEvents("operator.reset", op.id)).toHaveLength(1);
  });

  it("unknown emails and wrong passwords get the same answer", async () => {
    const op = await enrolledOperator();
    const unknown = await appErrorOf(operatorPasswordStep({ email: newEmail(), password: strongPassword }, meta), "unauthorized");
    const wrong = await appErrorOf(operatorPasswordStep({ email: op.email, password: "not the password at all" }, meta), "unauthorized");
    expect(unknown.message).toBe(wrong.message);
  });

  it("the sign-in inputs refuse unknown fields, NUL bytes and over-long values with per-field errors", () => {
    const cases: [unknown, string][] = [
      [{ email: "a@b.test", password: "x", admin: true }, ""],
      [{ email: "a\u0000@b.test", password: "x" }, "email"],
      [{ email: "a@b.test", password: "x".repeat(300) }, "password"],
    ];
    for (const [input, path] of cases) {
      const err = (() => {
        try {
          parseOrThrow(operatorPasswordStepInput, input);
        } catch (e) {
          return e as AppError;
        }
      })();
      expect(err?.code).toBe("bad_request");
      expect(err?.fieldErrors.some((f) => f.path === path)).toBe(true);
    }
    expect(() => parseOrThrow(operatorCodeStepInput, { challenge: "c", code: "12345a" })).toThrow(/6-digit/);
    expect(() => parseOrThrow(operatorEnrolStepInput, { challenge: "c", code: "123456", newPassword: "p", extra: 1 })).toThrow(AppError);
  });
});
