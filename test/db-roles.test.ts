// Least privilege: with a separate application role (DATABASE_APP_ROLE), the app reads
// platform tables and reads and writes tenant data (audited by the SECURITY DEFINER
// triggers), but the database itself refuses it UPDATE, DELETE and TRUNCATE on audit
// rows, any write to the chain head and anchors, platform writes and DDL (but for the
// operator console's: tenant status, domains, operators, the platform audit log).
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "@/lib/audit/verify-chain";
import { migrateAll } from "@/lib/db/migrations/runner";
import { closePool, getPool } from "@/lib/db/pool";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { resetEnvCache } from "@/lib/env";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const role = `app_test_${randomBytes(4).toString("hex")}`;
const password = randomBytes(12).toString("hex");
const slug = uniqueSlug("role");
const later = uniqueSlug("role-later");
const schema = `"${schemaNameFor(slug)}"`;
let admin: pg.Client;
let app: pg.Client;

beforeAll(async () => {
  admin = await rawClient();
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  process.env.DATABASE_APP_ROLE = role;
  resetEnvCache();
  // Created after the role is configured: granted at creation, in its transaction.
  await createTenant({ slug, name: "Role Co", ownerEmail: "owner@role.test" });
  // Re-applying grants to the platform schema, as `npm run db:migrate -- --grant` does.
  await migrateAll(getPool(), { concurrency: 2, appRole: role, regrant: true, slugs: [slug] });
  // Directly: the test stack's PgBouncer logs in with the URLs' own users only.
  const url = new URL(process.env.DATABASE_DIRECT_URL ?? process.env.DATABASE_URL!);
  url.username = role;
  url.password = password;
  app = new pg.Client({ connectionString: url.toString() });
  await app.connect();
});

afterAll(async () => {
  await app?.end();
  delete process.env.DATABASE_APP_ROLE;
  resetEnvCache();
  await dropTenantsQuietly([slug, later]);
  await admin.query(`DROP OWNED BY ${role}`);
  await admin.query(`DROP ROLE ${role}`);
  await admin.end();
  await closePool();
});

const withContext = (sql: string) => `BEGIN; SELECT set_config('audit.context', '{"actorType":"user","actorId":"u-app"}', true); ${sql}; COMMIT`;

describe("the application role", () => {
  // Status too, since the operator console (part of the app) suspends and resumes tenants: see the next test.
  it("reads the platform tables; writes only a tenant's name, settings, status and domains", async () => {
    expect((await app.query("SELECT slug FROM public.tenants WHERE slug = $1", [slug])).rowCount).toBe(1);
    await expect(app.query("UPDATE public.tenants SET slug = 'x-renamed' WHERE slug = $1", [slug])).rejects.toThrow(/permission denied/);
    await expect(app.query("UPDATE public.tenants SET cluster = 'elsewhere' WHERE slug = $1", [slug])).rejects.toThrow(/permission denied/);
    await expect(app.query("UPDATE public.tenants SET schema_name = 'tenant_x' WHERE slug = $1", [slug])).rejects.toThrow(/permission denied/);
    await expect(app.query("DELETE FROM public.tenants WHERE slug = $1", [slug])).rejects.toThrow(/permission denied/);
    await expect(
      app.query("INSERT INTO public.tenants (id, slug, name, schema_name, updated_at) VALUES (gen_random_uuid(), 'x-role', 'x', 'tenant_x_role', now())"),
    ).rejects.toThrow(/permission denied/);
    expect((await app.query("UPDATE public.tenants SET name = name WHERE slug = $1", [slug])).rowCount).toBe(1);
    await expect(app.query("SELECT * FROM public.schema_migrations")).rejects.toThrow(/permission denied/);
  });

  it("does what the operator console needs on the platform (status, domains, operators, the platform audit log) and no more", async () => {
    await app.query("BEGIN");
    try {
      await app.query("SELECT status FROM public.tenants WHERE slug = $1 FOR UPDATE", [slug]);
      await app.query("UPDATE public.tenants SET status = 'active', updated_at = now() WHERE slug = $1", [slug]);
      await app.query("SELECT count(*) FROM public.operators");
      await app.query("SELECT count(*) FROM public.operator_sessions");
      const { rows } = await app.query<{ seq: string }>(
        `INSERT INTO platform_audit.audit_log (actor_type, action, summary) VALUES ('operator', 'tenant.resumed', 'as the app role') RETURNING seq::text AS seq`,
      );
      expect(Number(rows[0]!.seq)).toBeGreaterThan(0);
    } finally {
      await app.query("ROLLBACK");
    }
    await expect(app.query("UPDATE platform_audit.audit_log SET summary = 'x'")).rejects.toThrow(/permission denied/);
    await expect(app.query("DELETE FROM platform_audit.audit_log")).rejects.toThrow(/permission denied/);
    await expect(app.query("UPDATE platform_audit.audit_chain_head SET seq = 0")).rejects.toThrow(/permission denied/);
    await expect(app.query("DELETE FROM public.operators")).rejects.toThrow(/permission denied/);
    // Sealing goes through the SECURITY DEFINER function, as for tenants.
    expect((await app.query("SELECT sealed FROM platform_audit.audit_seal()")).rowCount).toBe(1);
  });

  it("reads and writes tenant data, audited in the same transaction", async () => {
    await app.query(withContext(`INSERT INTO ${schema}.users (id, email, updated_at) VALUES (gen_random_uuid(), 'member@role.test', now())`));
    const { rows } = await app.query(`SELECT actor_id, action FROM ${schema}.audit_log ORDER BY seq DESC LIMIT 1`);
    expect(rows[0]).toEqual({ actor_id: "u-app", action: "user.created" });
    await app.query(`INSERT INTO ${schema}.audit_log (actor_type, action, summary) VALUES ('user', 'auth.sign_in_succeeded', 'signed in')`);
    expect((await verifyChain(getPool(), slug)).ok).toBe(true);
  });

  it("stores a webhook and its audit row with one call of webhook_intake, and marks it dispatched, as the app role", async () => {
    const integrationId = randomUUID();
    await admin.query(
      withContext(
        `INSERT INTO ${schema}.integrations (id, name, kind, scheme, settings, updated_at) VALUES ('${integrationId}', 'Role hook', 'webhook', 'standard-webhooks', '{}', now())`,
      ),
    );
    const ctx = JSON.stringify({ actorType: "webhook", actorId: integrationId, requestId: "req-role" });
    const call = () =>
      app.query<{ id: string; duplicate: boolean }>(
        `SELECT id, duplicate FROM ${schema}.webhook_intake($1, $2, 'msg_role_1', 'contact.created', '{}'::jsonb, $3, 'sha')`,
        [ctx, integrationId, Buffer.from("{}")],
      );
    const first = (await call()).rows[0]!;
    expect(first.duplicate).toBe(false);
    expect((await call()).rows[0]).toEqual({ id: first.id, duplicate: true });
    const audit = await app.query(`SELECT actor_type, actor_id, action, request_id FROM ${schema}.audit_log WHERE target_id = $1`, [first.id]);
    expect(audit.rows).toEqual([{ actor_type: "webhook", actor_id: integrationId, action: "webhook_event.created", request_id: "req-role" }]);
    // The group-commit form: one call, each row audited with its own context.
    const ctx2 = JSON.stringify({ actorType: "webhook", actorId: integrationId, requestId: "req-role-2" });
    const many = await app.query<{ ord: number; id: string; duplicate: boolean }>(
      `SELECT ord, id, duplicate FROM ${schema}.webhook_intake_many($1::text[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::bytea[], $7::text[]) ORDER BY ord`,
      [
        [ctx2, ctx2],
        [integrationId, integrationId],
        ["msg_role_2", "msg_role_1"],
        ["t", "t"],
        ["{}", "{}"],
        [Buffer.from("{}"), Buffer.from("{}")],
        ["sha", "sha"],
      ],
    );
    expect(many.rows.map((r) => [r.ord, r.duplicate])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(many.rows[1]!.id).toBe(first.id);
    const second = await app.query(`SELECT request_id FROM ${schema}.audit_log WHERE target_id = $1`, [many.rows[0]!.id]);
    expect(second.rows).toEqual([{ request_id: "req-role-2" }]);
    const marked = await app.query(`SELECT ${schema}.webhook_mark_dispatched($1, $2::uuid[], $3::integer[]) AS n`, [ctx, [first.id], [0]]);
    expect(marked.rows[0].n).toBe(1);
    // The body window (unsigned-id schemes) and re-opening a lost row work as the app role too.
    const replay = await app.query<{ duplicate: boolean; id: string }>(
      `SELECT id, duplicate FROM ${schema}.webhook_intake($1, $2, 'msg_role_replay', 'contact.created', '{}'::jsonb, $3, 'sha', 86400)`,
      [ctx, integrationId, Buffer.from("{}")],
    );
    expect(replay.rows[0]!.duplicate).toBe(true);
    const reopened = await app.query(`SELECT ${schema}.webhook_reopen_stuck($1, now() + interval '1 minute', 10) AS n`, [ctx]);
    expect(reopened.rows[0].n).toBe(1);
    // Outside the functions the context is gone: a bare write is still refused by the trigger.
    await expect(app.query(`UPDATE ${schema}.webhook_events SET status = 'failed' WHERE id = $1`, [first.id])).rejects.toThrow(/without an audit context/);
    expect((await verifyChain(getPool(), slug)).ok).toBe(true);
  });

  it("is refused UPDATE, DELETE and TRUNCATE of audit rows by privilege, not only by trigger", async () => {
    for (const sql of [`UPDATE ${schema}.audit_log SET summary = 'x'`, `DELETE FROM ${schema}.audit_log`, `TRUNCATE ${schema}.audit_log`]) {
      await expect(app.query(sql)).rejects.toThrow(/permission denied for table audit_log/);
    }
    await expect(app.query(`ALTER TABLE ${schema}.audit_log DISABLE TRIGGER USER`)).rejects.toThrow(/must be owner/);
  });

  it("seals through audit_seal (SECURITY DEFINER) but cannot fill in hashes itself, flag or not", async () => {
    await app.query(`INSERT INTO ${schema}.audit_log (actor_type, action, summary) VALUES ('user', 'test.role_seal', 'sealed by the app role')`);
    await expect(
      app.query(
        `BEGIN; SELECT set_config('audit.sealing', 'on', true); UPDATE ${schema}.audit_log SET prev_hash = repeat('0', 64), hash = repeat('0', 64) WHERE hash IS NULL`,
      ),
    ).rejects.toThrow(/permission denied for table audit_log/);
    await app.query("ROLLBACK");
    let step = { sealed_through: "0", drawn: "1" };
    for (let i = 0; i < 200 && BigInt(step.sealed_through) < BigInt(step.drawn); i++) {
      step = (await app.query(`SELECT sealed_through::text, drawn::text FROM ${schema}.audit_seal()`)).rows[0];
      if (BigInt(step.sealed_through) < BigInt(step.drawn)) await new Promise((r) => setTimeout(r, 20));
    }
    expect(BigInt(step.sealed_through)).toBe(BigInt(step.drawn));
    const { rows } = await app.query(`SELECT count(*)::int AS n FROM ${schema}.audit_log WHERE hash IS NULL`);
    expect(rows[0].n).toBe(0);
    expect(await verifyChain(getPool(), slug, { seal: false })).toMatchObject({ ok: true, unsealed: 0 });
  });

  it("cannot move the chain head, forge anchors or change the schema", async () => {
    await expect(app.query(`UPDATE ${schema}.audit_chain_head SET seq = 0`)).rejects.toThrow(/permission denied/);
    await expect(
      app.query(`INSERT INTO ${schema}.audit_retention_anchor (seq, hash, rows, archive_name, archive_sha256) VALUES (1, 'x', 1, 'x', 'x')`),
    ).rejects.toThrow(/permission denied/);
    await expect(app.query(`CREATE TABLE ${schema}.sneaky (id int)`)).rejects.toThrow(/permission denied/);
    await expect(app.query(`DROP TABLE ${schema}.users`)).rejects.toThrow(/must be owner/);
  });

  it("gets no access to a tenant created without the role configured, until grants are re-applied", async () => {
    delete process.env.DATABASE_APP_ROLE;
    resetEnvCache();
    await createTenant({ slug: later, name: "Later Co" });
    const laterSchema = `"${schemaNameFor(later)}"`;
    await expect(app.query(`SELECT count(*) FROM ${laterSchema}.users`)).rejects.toThrow(/permission denied/);
    await migrateAll(getPool(), { concurrency: 2, appRole: role, regrant: true, slugs: [later] });
    expect((await app.query(`SELECT count(*)::int AS n FROM ${laterSchema}.users`)).rows[0].n).toBe(0);
  });
});
