// `npm run secrets:rotate`: every secret at rest re-encrypted under the newest key of
// ENCRYPTION_KEYS, against real PostgreSQL, two tenants with MFA users and webhook
// integrations, through the library function and the CLI.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditContextParam, setAuditContextSql, systemContext } from "@/lib/audit/context";
import { verifyChain } from "@/lib/audit/verify-chain";
import { withAudit } from "@/lib/audit/with-audit";
import { confirmMfaEnrolment, startMfaEnrolment } from "@/lib/auth/account";
import { openMfaSecret, sealMfaSecret } from "@/lib/auth/mfa-secret";
import { totpCode } from "@/lib/auth/totp";
import { rotateSecrets, secretsReencryptedAction, type RotationReport } from "@/lib/crypto/rotate-secrets";
import { sealedColumns } from "@/lib/crypto/sealed-columns";
import { sealedKeyId, SecretBoxError } from "@/lib/crypto/secret-box";
import { closePool, getPool } from "@/lib/db/pool";
import type { Prisma } from "@/lib/db/generated/tenant/client";
import { tenantDb } from "@/lib/db/tenant-client";
import { resetEnvCache } from "@/lib/env";
import { createIntegration, rotateWebhookSecret } from "@/lib/integrations/integrations";
import { webhookSecrets } from "@/lib/integrations/secrets";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { addUser, tenantWithOwner } from "./support/auth";
import { runScript } from "./support/cli";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const A = uniqueSlug("rot");
const B = uniqueSlug("rot");
const slugs = [A, B].sort();
const ctx = systemContext("test");

const savedKeys = process.env.ENCRYPTION_KEYS;
const oldKey = `old:${randomBytes(32).toString("base64")}`;
const newKey = `new:${randomBytes(32).toString("base64")}`;
const bothKeys = `${newKey},${oldKey}`;
function useKeys(value: string) {
  process.env.ENCRYPTION_KEYS = value;
  resetEnvCache();
}

interface Fixture {
  mfaUserId: string;
  totpSecret: string;
  pendingUserId: string;
  pendingTotpSecret: string;
  integrationId: string;
  webhookSecret: string;
  previousWebhookSecret: string;
}
const fx: Record<string, Fixture> = {};
let raw: pg.Client;
const auditStart: Record<string, number> = {};
/** Every sealed value this test saw (old, new, tampered), to look for in the audit log. */
const seenCiphertexts = new Set<string>();

/** Every non-null sealed value of a tenant: "table.column id" -> value. */
async function sealedValues(slug: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of sealedColumns) {
    const { rows } = await raw.query<{ id: string; value: string }>(
      `SELECT id::text AS id, "${c.column}" AS value FROM "${schemaNameFor(slug)}"."${c.table}" WHERE "${c.column}" IS NOT NULL`,
    );
    for (const r of rows) {
      out.set(`${c.table}.${c.column} ${r.id}`, r.value);
      seenCiphertexts.add(r.value);
    }
  }
  return out;
}

async function auditSeq(slug: string): Promise<number> {
  const { rows } = await raw.query<{ seq: string | null }>(`SELECT max(seq)::text AS seq FROM "${schemaNameFor(slug)}".audit_log`);
  return Number(rows[0]!.seq ?? 0);
}

async function setUserColumn(slug: string, id: string, data: { mfaSecret?: string | null; mfaPendingSecret?: string | null }) {
  await withAudit(slug, ctx, (tx) => tx.user.update({ where: { id }, data }));
}

function tamper(sealed: string): string {
  const parts = sealed.split(".");
  const body = Buffer.from(parts[3]!, "base64url");
  body[0] = body[0]! ^ 0xff;
  parts[3] = body.toString("base64url");
  return parts.join(".");
}

/** rotated/current/failed per "table.column" of one tenant in a report. */
function counts(report: RotationReport, slug: string): Record<string, [number, number, number]> {
  const tenant = report.tenants.find((t) => t.slug === slug)!;
  return Object.fromEntries(tenant.columns.map((c) => [`${c.table}.${c.column}`, [c.rotated, c.current, c.failed]]));
}

/** Every secret of the fixture opens to what it was, via the readers the app uses. */
async function expectPlaintexts(slug: string) {
  const f = fx[slug]!;
  const db = tenantDb(slug);
  const mfaUser = await db.user.findUniqueOrThrow({ where: { id: f.mfaUserId } });
  expect(openMfaSecret(slug, f.mfaUserId, mfaUser.mfaSecret!)).toBe(f.totpSecret);
  const pendingUser = await db.user.findUniqueOrThrow({ where: { id: f.pendingUserId } });
  expect(openMfaSecret(slug, f.pendingUserId, pendingUser.mfaPendingSecret!)).toBe(f.pendingTotpSecret);
  const integration = await db.integration.findUniqueOrThrow({ where: { id: f.integrationId } });
  expect(webhookSecrets(slug, integration)).toEqual([f.webhookSecret, f.previousWebhookSecret]);
}

beforeAll(async () => {
  raw = await rawClient();
  useKeys(oldKey);
  for (const slug of slugs) {
    await tenantWithOwner(slug);
    const mfaUserId = await addUser(slug, `mfa@${slug}.test`, "member");
    const { secret: totpSecret } = await startMfaEnrolment(slug, mfaUserId, "Tenant", ctx);
    await confirmMfaEnrolment(slug, mfaUserId, totpCode(totpSecret), ctx);
    const pendingUserId = await addUser(slug, `pending@${slug}.test`, "member");
    const { secret: pendingTotpSecret } = await startMfaEnrolment(slug, pendingUserId, "Tenant", ctx);
    const created = await createIntegration(slug, { name: "Stripe", kind: "webhook", scheme: "stripe" }, ctx);
    const rotated = await rotateWebhookSecret(slug, created.integration.id, {}, ctx);
    fx[slug] = {
      mfaUserId,
      totpSecret,
      pendingUserId,
      pendingTotpSecret,
      integrationId: created.integration.id,
      webhookSecret: rotated.secret,
      previousWebhookSecret: created.secret!,
    };
    const values = await sealedValues(slug);
    expect(values.size).toBe(4);
    for (const v of values.values()) expect(sealedKeyId(v)).toBe("old");
    auditStart[slug] = await auditSeq(slug);
  }
});

afterAll(async () => {
  useKeys(savedKeys!);
  await dropTenantsQuietly(slugs);
  await raw.end();
  await closePool();
});

describe("secrets:rotate", () => {
  it("has every sealed column of a tenant schema in the registry", async () => {
    const { rows } = await raw.query<{ name: string }>(
      `SELECT table_name || '.' || column_name AS name FROM information_schema.columns
       WHERE table_schema = $1 AND data_type = 'text' AND column_name ~ '(secret|sealed)' ORDER BY 1`,
      [schemaNameFor(A)],
    );
    expect(rows.map((r) => r.name)).toEqual(sealedColumns.map((c) => `${c.table}.${c.column}`).sort());
  });

  it("--dry-run counts what would be rotated and writes nothing", async () => {
    useKeys(bothKeys);
    const before = await Promise.all(slugs.map(sealedValues));
    const report = await rotateSecrets({ slugs, dryRun: true });
    expect(report).toMatchObject({ keyId: "new", dryRun: true, ok: true, totals: { rotated: 8, current: 0, failed: 0, tenantErrors: 0 } });
    for (const slug of slugs) {
      expect(counts(report, slug)).toEqual({
        "users.mfa_secret": [1, 0, 0],
        "users.mfa_pending_secret": [1, 0, 0],
        "integrations.secret_sealed": [1, 0, 0],
        "integrations.previous_secret_sealed": [1, 0, 0],
      });
    }

    const cli = await runScript("scripts/secrets.ts", ["rotate", "--dry-run", ...slugs], { ENCRYPTION_KEYS: bothKeys });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/under key new.*dry run: nothing is written/);
    expect(cli.stdout).toMatch(new RegExp(`${A}\\s+users\\.mfa_secret\\s+1\\s+0\\s+0`));
    expect(cli.stdout).toContain("total: 8 to rotate, 0 already current, 0 failed in 2 tenant(s); newest key new");

    expect(await Promise.all(slugs.map(sealedValues))).toEqual(before);
    for (const slug of slugs) expect(await auditSeq(slug)).toBe(auditStart[slug]);
  });

  it("re-encrypts under the newest key; a tampered value is reported by row (not value), left alone, and fails the CLI", async () => {
    useKeys(bothKeys);
    const f = fx[B]!;
    const original = (await tenantDb(B).user.findUniqueOrThrow({ where: { id: f.pendingUserId } })).mfaPendingSecret!;
    const tampered = tamper(original);
    seenCiphertexts.add(tampered);
    await setUserColumn(B, f.pendingUserId, { mfaPendingSecret: tampered });
    const beforeB = await sealedValues(B);

    // The CLI on B: three rotate, the tampered one fails, exit code 1.
    const cli = await runScript("scripts/secrets.ts", ["rotate", B], { ENCRYPTION_KEYS: bothKeys });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(new RegExp(`${B}\\s+users\\.mfa_pending_secret\\s+0\\s+0\\s+1`));
    expect(cli.stdout).toMatch(new RegExp(`${B}\\s+integrations\\.previous_secret_sealed\\s+1\\s+0\\s+0`));
    expect(cli.stdout).toContain("total: 3 rotated, 0 already current, 1 failed in 1 tenant(s); newest key new");
    expect(cli.stderr).toContain(`FAILED ${B} users.mfa_pending_secret row ${f.pendingUserId}: sealed secret failed authentication`);
    expect(cli.stderr).toContain("do not remove the old key yet");
    for (const value of [...beforeB.values(), original]) {
      expect(cli.stdout + cli.stderr).not.toContain(value);
      expect(cli.stdout + cli.stderr).not.toContain(value.split(".")[3]!);
    }
    const afterB = await sealedValues(B);
    expect(afterB.get(`users.mfa_pending_secret ${f.pendingUserId}`)).toBe(tampered);
    for (const [k, v] of afterB) if (v !== tampered) expect(sealedKeyId(v), k).toBe("new");

    // The function on A: all four rotate.
    const report = await rotateSecrets({ slugs: [A] });
    expect(report).toMatchObject({ ok: true, dryRun: false, totals: { rotated: 4, current: 0, failed: 0 } });
    for (const v of (await sealedValues(A)).values()) expect(sealedKeyId(v)).toBe("new");

    // Put the real value back: the next run rotates just that one.
    await setUserColumn(B, f.pendingUserId, { mfaPendingSecret: original });
    const again = await rotateSecrets({ slugs: [B] });
    expect(again).toMatchObject({ ok: true, totals: { rotated: 1, current: 3, failed: 0 } });
    expect(counts(again, B)["users.mfa_pending_secret"]).toEqual([1, 0, 0]);
    for (const v of (await sealedValues(B)).values()) expect(sealedKeyId(v)).toBe("new");

    for (const slug of slugs) await expectPlaintexts(slug);
  });

  it("a second run rotates nothing and rewrites nothing", async () => {
    useKeys(bothKeys);
    const before = await Promise.all(slugs.map(sealedValues));
    const seqs = await Promise.all(slugs.map(auditSeq));
    const report = await rotateSecrets({ slugs, batchSize: 1 });
    expect(report).toMatchObject({ ok: true, totals: { rotated: 0, current: 8, failed: 0 } });
    expect(await Promise.all(slugs.map(sealedValues))).toEqual(before);
    expect(await Promise.all(slugs.map(auditSeq))).toEqual(seqs);
  });

  it("audits each batch without a ciphertext or plaintext in the audit log, and keeps the chain intact", async () => {
    for (const slug of slugs) {
      const { rows } = await raw.query<{
        action: string;
        actor_label: string;
        target_id: string;
        metadata: { rows: string[]; keyId: string; fromKeyIds: string[] };
      }>(
        `SELECT action, actor_label, target_id, metadata FROM "${schemaNameFor(slug)}".audit_log WHERE seq > $1 AND actor_label = 'secrets:rotate' ORDER BY seq`,
        [auditStart[slug]],
      );
      // Only explicit events: a re-seal is no visible change to the (redacted) row-change trigger.
      expect(new Set(rows.map((r) => r.action))).toEqual(new Set([secretsReencryptedAction]));
      const audited = rows.flatMap((r) => r.metadata.rows.map((id) => `${r.target_id} ${id}`)).sort();
      const f = fx[slug]!;
      expect(audited).toEqual(
        [
          `users.mfa_secret ${f.mfaUserId}`,
          `users.mfa_pending_secret ${f.pendingUserId}`,
          `integrations.secret_sealed ${f.integrationId}`,
          `integrations.previous_secret_sealed ${f.integrationId}`,
        ].sort(),
      );
      for (const r of rows) expect(r.metadata).toMatchObject({ keyId: "new", fromKeyIds: ["old"] });

      // Nothing secret anywhere in the tenant's audit log (row changes are redacted by column name).
      const { rows: all } = await raw.query<{ row: string }>(`SELECT a::text AS row FROM "${schemaNameFor(slug)}".audit_log a`);
      const text = all.map((r) => r.row).join("\n");
      expect(text).toContain("[redacted]");
      const plaintexts = [f.totpSecret, f.pendingTotpSecret, f.webhookSecret, f.previousWebhookSecret];
      for (const secret of [...seenCiphertexts, ...plaintexts]) expect(text).not.toContain(secret);
      for (const c of seenCiphertexts) expect(text).not.toContain(c.split(".")[3]!);

      expect((await verifyChain(getPool(), slug)).ok).toBe(true);
    }
  });

  it("does not overwrite a value changed while the rotation waits for its row lock", async () => {
    useKeys(oldKey);
    const userId = await addUser(A, `racer@${A}.test`, "member");
    await startMfaEnrolment(A, userId, "Tenant", ctx); // mfa_pending_secret under `old`
    useKeys(bothKeys);
    const concurrent = sealMfaSecret(A, userId, "JBSWY3DPEHPK3PXP");

    const locker = await rawClient();
    try {
      await locker.query("BEGIN");
      await locker.query(setAuditContextSql, [auditContextParam(systemContext("racer"))]);
      await locker.query(`SELECT 1 FROM "${schemaNameFor(A)}".users WHERE id = $1 FOR UPDATE`, [userId]);
      const rotation = rotateSecrets({ slugs: [A] });
      // Wait until the rotation is blocked on the row lock.
      for (let i = 0; ; i++) {
        const { rows } = await raw.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%' AND pid <> $1",
          [(locker as unknown as { processID: number }).processID],
        );
        if (rows[0]!.n > 0) break;
        if (i > 100) throw new Error("the rotation never waited for the row lock");
        await new Promise((r) => setTimeout(r, 50));
      }
      await locker.query(`UPDATE "${schemaNameFor(A)}".users SET mfa_pending_secret = $2 WHERE id = $1`, [userId, concurrent]);
      await locker.query("COMMIT");
      const report = await rotation;
      expect(report).toMatchObject({ ok: true, totals: { rotated: 0, failed: 0 } });
      expect(counts(report, A)["users.mfa_pending_secret"]).toEqual([0, 2, 0]);
    } finally {
      await locker.query("ROLLBACK").catch(() => undefined);
      await locker.end();
    }
    const stored = (await tenantDb(A).user.findUniqueOrThrow({ where: { id: userId } })).mfaPendingSecret!;
    expect(stored).toBe(concurrent);
    expect(openMfaSecret(A, userId, stored)).toBe("JBSWY3DPEHPK3PXP");
    // Clean up so the other tests' counts are unaffected.
    await setUserColumn(A, userId, { mfaPendingSecret: null });
  });

  it("still opens everything once the old key is removed", async () => {
    useKeys(newKey);
    for (const slug of slugs) await expectPlaintexts(slug);
    const report = await rotateSecrets({ slugs });
    expect(report).toMatchObject({ ok: true, keyId: "new", totals: { rotated: 0, current: 8, failed: 0 } });
  });

  it("keeps each value bound to its tenant: a ciphertext copied to the other tenant does not open", async () => {
    useKeys(newKey);
    const f = fx[A]!;
    const integration = await tenantDb(A).integration.findUniqueOrThrow({ where: { id: f.integrationId } });
    const mfaUser = await tenantDb(A).user.findUniqueOrThrow({ where: { id: f.mfaUserId } });
    // Same row ids in B, so only the tenant differs.
    const copy = await withAudit(B, ctx, async (tx) => {
      await tx.user.create({ data: { id: f.mfaUserId, email: `copy@${B}.test`, role: "member", status: "active", mfaSecret: mfaUser.mfaSecret } });
      return tx.integration.create({
        data: {
          id: integration.id,
          name: "Copied",
          kind: integration.kind,
          scheme: integration.scheme,
          settings: integration.settings as Prisma.InputJsonValue,
          secretSealed: integration.secretSealed,
          previousSecretSealed: integration.previousSecretSealed,
          previousSecretExpiresAt: integration.previousSecretExpiresAt,
        },
      });
    });
    expect(webhookSecrets(A, copy)).toEqual([f.webhookSecret, f.previousWebhookSecret]);
    expect(() => webhookSecrets(B, copy)).toThrow(SecretBoxError);
    expect(openMfaSecret(A, f.mfaUserId, mfaUser.mfaSecret!)).toBe(f.totpSecret);
    expect(() => openMfaSecret(B, f.mfaUserId, mfaUser.mfaSecret!)).toThrow(SecretBoxError);
  });

  it("refuses an unknown tenant and an unknown command", async () => {
    await expect(rotateSecrets({ slugs: [uniqueSlug("nobody")] })).rejects.toMatchObject({ code: "not_found" });
    const [unknownTenant, unknownCommand] = await Promise.all([
      runScript("scripts/secrets.ts", ["rotate", uniqueSlug("nobody")]),
      runScript("scripts/secrets.ts", ["spin"]),
    ]);
    expect(unknownTenant.code).toBe(1);
    expect(unknownTenant.stderr).toMatch(/No tenant with the slug/);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/unknown command: spin/);
  });
});
