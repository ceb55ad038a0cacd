// Passwords, lockout and the second factor, against real PostgreSQL.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confirmMfaEnrolment, startMfaEnrolment } from "@/lib/auth/account";
import { checkPassword, checkSecondFactor } from "@/lib/auth/authenticate";
import { afterFailure, lockoutPolicy, type LockoutState } from "@/lib/auth/lockout";
import { passwordProblem } from "@/lib/auth/password-policy";
import { totpCode } from "@/lib/auth/totp";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { unlockMember } from "@/lib/members/members";
import { demoPassword } from "@/lib/tenancy/seed-demo";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { addUser, meta, tenantWithOwner, testPassword } from "./support/auth";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("pw");
const other = uniqueSlug("pw2");
let raw: pg.Client;
const auditCount = async (action: string, targetId?: string) =>
  Number(
    (
      await raw.query(`SELECT count(*) FROM "${schemaNameFor(slug)}".audit_log WHERE action = $1 AND ($2::text IS NULL OR target_id = $2)`, [
        action,
        targetId ?? null,
      ])
    ).rows[0].count,
  );

beforeAll(async () => {
  raw = await rawClient();
  await tenantWithOwner(slug);
  await tenantWithOwner(other);
});

afterAll(async () => {
  await dropTenantsQuietly([slug, other]);
  await raw.end();
  await closePool();
});

describe("password policy", () => {
  it("refuses short, common, common-plus-digits and email-equal passwords", () => {
    expect(passwordProblem("short-pass1")).toMatch(/at least 12/);
    expect(passwordProblem("qwertyuiop123")).toMatch(/too common/);
    expect(passwordProblem("password123456")).toMatch(/too common/);
    expect(passwordProblem("Password2026!!")).toMatch(/too common/);
    expect(passwordProblem("alice@example.test", "Alice@Example.test")).toMatch(/email/);
  });

  it("accepts the demo password and a long passphrase", () => {
    expect(passwordProblem(demoPassword, "owner@acme.test")).toBeNull();
    expect(passwordProblem("violet staple orbit canyon")).toBeNull();
  });
});

describe("lockout arithmetic", () => {
  const t0 = new Date("2026-01-01T00:00:00Z");
  const fresh: LockoutState = { failedSignIns: 0, firstFailedAt: null, lockouts: 0, lockedUntil: null };

  it("locks on the fifth failure within 15 minutes, for 15 minutes, doubling on repeat", () => {
    let s: LockoutState & { lockedNow: boolean } = { ...fresh, lockedNow: false };
    for (let i = 0; i < 4; i++) s = afterFailure(s, new Date(t0.getTime() + i * 1000));
    expect(s.lockedNow).toBe(false);
    s = afterFailure(s, new Date(t0.getTime() + 5000));
    expect(s.lockedNow).toBe(true);
    expect(s.lockedUntil!.getTime() - (t0.getTime() + 5000)).toBe(lockoutPolicy.baseLockMs);
    let again: LockoutState & { lockedNow: boolean } = { ...s, lockedUntil: null };
    for (let i = 0; i < 5; i++) again = afterFailure(again, new Date(t0.getTime() + 3600_000 + i));
    expect(again.lockedNow).toBe(true);
    expect(again.lockedUntil!.getTime() - (t0.getTime() + 3600_004)).toBe(2 * lockoutPolicy.baseLockMs);
  });

  it("starts a new window when the first failure is older than 15 minutes", () => {
    let s: LockoutState & { lockedNow: boolean } = { ...fresh, lockedNow: false };
    for (let i = 0; i < 4; i++) s = afterFailure(s, t0);
    s = afterFailure(s, new Date(t0.getTime() + lockoutPolicy.windowMs + 1));
    expect(s).toMatchObject({ failedSignIns: 1, lockedNow: false });
  });
});

describe("checkPassword", () => {
  it("accepts the right password, case-insensitive email", async () => {
    const r = await checkPassword(slug, `OWNER@${slug.toUpperCase()}.TEST`, testPassword, meta());
    expect(r.status).toBe("ok");
  });

  it("answers wrong password, unknown email and another tenant's account alike", async () => {
    expect(await checkPassword(slug, `owner@${slug}.test`, "wrong password!!", meta())).toEqual({ status: "invalid" });
    expect(await checkPassword(slug, "nobody@nowhere.test", testPassword, meta())).toEqual({ status: "invalid" });
    // The same email exists in the other tenant with the same password: not here.
    expect(await checkPassword(slug, `owner@${other}.test`, testPassword, meta())).toEqual({ status: "invalid" });
    expect(await auditCount("auth.sign_in_failed")).toBeGreaterThanOrEqual(3);
  });

  it("spends comparable time on unknown emails and on wrong passwords (both run argon2)", async () => {
    const time = async (email: string) => {
      const started = performance.now();
      await checkPassword(slug, email, "not the password", meta());
      return performance.now() - started;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const unknown: number[] = [];
    const known: number[] = [];
    const email = "timing@" + slug + ".test";
    await addUser(slug, email, "member");
    for (let i = 0; i < 3; i++) {
      unknown.push(await time(`ghost${i}@${slug}.test`));
      known.push(await time(email));
    }
    // Not a speed assertion: without the dummy hash the unknown path would skip
    // argon2 entirely and take a small fraction of the known one.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.4);
  });

  it("locks after 5 failures: then even the right password fails, until an owner unlocks", async () => {
    const email = `locked@${slug}.test`;
    const id = await addUser(slug, email, "member");
    for (let i = 0; i < 5; i++) expect((await checkPassword(slug, email, "wrong password!!", meta())).status).toBe("invalid");
    const user = await tenantDb(slug).user.findUniqueOrThrow({ where: { id } });
    expect(user.lockedUntil!.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    expect(await auditCount("auth.locked_out", id)).toBe(1);
    expect((await checkPassword(slug, email, testPassword, meta())).status).toBe("invalid");
    await unlockMember(slug, id, { actorType: "user", actorLabel: "owner" });
    expect(await auditCount("auth.unlocked", id)).toBe(1);
    expect((await checkPassword(slug, email, testPassword, meta())).status).toBe("ok");
  });
});

describe("TOTP second factor", () => {
  it("enrols, then requires a code: TOTP works, a recovery code works once, wrong codes count as failures", async () => {
    const email = `mfa@${slug}.test`;
    const id = await addUser(slug, email, "admin");
    const ctx = { actorType: "user" as const, actorId: id, actorLabel: email };
    const { secret, qrDataUrl, uri } = await startMfaEnrolment(slug, id, "Tenant", ctx);
    expect(qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(uri).toContain("otpauth://totp/");
    const stored = await tenantDb(slug).user.findUniqueOrThrow({ where: { id } });
    expect(stored.mfaPendingSecret).not.toContain(secret); // sealed, not in clear
    await expect(confirmMfaEnrolment(slug, id, "000000", ctx)).rejects.toThrow(/not right/);
    const codes = await confirmMfaEnrolment(slug, id, totpCode(secret), ctx);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(await auditCount("auth.mfa_enrolled", id)).toBe(1);

    expect((await checkPassword(slug, email, testPassword, meta())).status).toBe("mfa_required");
    expect(await checkSecondFactor(slug, id, totpCode(secret), meta())).toMatchObject({ id });
    expect(await auditCount("auth.mfa_used", id)).toBe(1);

    expect(await checkSecondFactor(slug, id, codes[3]!.toUpperCase().replace("-", " "), meta())).toMatchObject({ id });
    expect(await checkSecondFactor(slug, id, codes[3]!, meta())).toBeNull(); // one-time
    expect(await auditCount("auth.recovery_code_used", id)).toBe(1);
    const after = await tenantDb(slug).user.findUniqueOrThrow({ where: { id } });
    expect(after.failedSignIns).toBe(1);
    // Recovery codes are stored hashed.
    const rows = await tenantDb(slug).recoveryCode.findMany({ where: { userId: id } });
    expect(rows.map((r) => r.codeHash)).not.toContain(codes[0]);
  });
});

describe("hardening", () => {
  it("counts parallel wrong guesses one after another: five at once lock the account", async () => {
    const email = `parallel@${slug}.test`;
    const id = await addUser(slug, email, "member");
    await Promise.all(Array.from({ length: 5 }, () => checkPassword(slug, email, "wrong password!!", meta())));
    const user = await tenantDb(slug).user.findUniqueOrThrow({ where: { id } });
    expect(user.lockedUntil).not.toBeNull();
    expect((await checkPassword(slug, email, testPassword, meta())).status).toBe("invalid");
  });

  it("accepts a TOTP code once: the same code again is refused", async () => {
    const email = `replay@${slug}.test`;
    const id = await addUser(slug, email, "member");
    const ctx = { actorType: "user" as const, actorId: id, actorLabel: email };
    const { secret } = await startMfaEnrolment(slug, id, "Tenant", ctx);
    // Enrol with the previous step's code, so the current one is fresh for sign-in.
    await confirmMfaEnrolment(slug, id, totpCode(secret, Date.now() - 30_000), ctx);
    const code = totpCode(secret);
    expect(await checkSecondFactor(slug, id, code, meta())).toMatchObject({ id });
    expect(await checkSecondFactor(slug, id, code, meta())).toBeNull();
    // An older code is refused as well, even though it is inside the drift window.
    expect(await checkSecondFactor(slug, id, totpCode(secret, Date.now() - 30_000), meta())).toBeNull();
  });

  it("keeps a typed identifier in the audit trail only when it is an email address", async () => {
    await checkPassword(slug, "Hunter2-my-password-oops", "whatever it is", meta());
    const rows = await raw.query(
      `SELECT summary, actor_label, metadata FROM "${schemaNameFor(slug)}".audit_log WHERE action = 'auth.sign_in_failed' ORDER BY seq DESC LIMIT 1`,
    );
    expect(JSON.stringify(rows.rows[0])).not.toContain("Hunter2");
    expect(rows.rows[0].summary).toContain("(not an email address)");
  });
});
