// Recording: every write to tenant data is audited in its own transaction by the
// database (no write path can skip it), secrets are redacted, and audit rows are
// immutable.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withAudit, recordEvent } from "@/lib/audit/with-audit";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("aud");
const schema = schemaNameFor(slug);
const actor = {
  actorType: "user" as const,
  actorId: "u-1",
  actorLabel: "alice@example.test",
  requestId: "req-12345678",
  ip: "203.0.113.9",
  userAgent: "vitest",
};
let raw: pg.Client;

async function auditRows(where = "TRUE", params: unknown[] = []) {
  const { rows } = await raw.query(`SELECT * FROM "${schema}".audit_log WHERE ${where} ORDER BY seq`, params);
  return rows as Record<string, unknown>[];
}
const count = async (table: string) => Number((await raw.query(`SELECT count(*) FROM "${schema}"."${table}"`)).rows[0].count);

beforeAll(async () => {
  raw = await rawClient();
  await createTenant({ slug, name: "Audit Co", ownerEmail: "owner@audit.test" });
});

afterAll(async () => {
  await dropTenantsQuietly([slug]);
  await raw.end();
  await closePool();
});

describe("row changes", () => {
  it("records the owner created with the tenant, as the platform", async () => {
    const [row] = await auditRows("action = 'user.created'");
    expect(row).toMatchObject({ actor_type: "system", actor_label: "platform", target_type: "user" });
    expect((row!.changes as Record<string, unknown>).email).toBe("owner@audit.test");
  });

  it("records create, update and delete with actor, request and before/after values", async () => {
    const user = await withAudit(slug, actor, (tx) => tx.user.create({ data: { email: "bob@audit.test", name: "Bob" } }));
    await withAudit(slug, actor, (tx) => tx.user.update({ where: { id: user.id }, data: { name: "Robert" } }));
    await withAudit(slug, actor, (tx) => tx.user.delete({ where: { id: user.id } }));
    const rows = await auditRows("target_id = $1", [user.id]);
    expect(rows.map((r) => r.action)).toEqual(["user.created", "user.updated", "user.deleted"]);
    for (const r of rows)
      expect(r).toMatchObject({
        actor_type: "user",
        actor_id: "u-1",
        actor_label: "alice@example.test",
        request_id: "req-12345678",
        ip: "203.0.113.9",
        user_agent: "vitest",
      });
    expect(rows[1]!.changes).toEqual({ name: { before: "Bob", after: "Robert" } });
    expect((rows[2]!.changes as Record<string, unknown>).name).toBe("Robert");
  });

  it("records every row of a bulk write", async () => {
    const before = await count("audit_log");
    // Notices: a table whose rows may share every value (organization names are unique).
    await withAudit(slug, actor, (tx) => tx.notice.createMany({ data: ["A", "B", "C"].map((title) => ({ kind: "test", title, body: "bulk" })) }));
    await withAudit(slug, actor, (tx) => tx.notice.updateMany({ data: { title: "Same" } }));
    await withAudit(slug, actor, (tx) => tx.notice.deleteMany());
    expect((await count("audit_log")) - before).toBe(9);
  });

  it("does not record an update that changed nothing but updated_at", async () => {
    const org = await withAudit(slug, actor, (tx) => tx.organization.create({ data: { name: "Steady" } }));
    const before = await count("audit_log");
    await withAudit(slug, actor, (tx) => tx.organization.update({ where: { id: org.id }, data: { name: "Steady" } }));
    expect(await count("audit_log")).toBe(before);
  });

  it("rolls the audit row back with the write", async () => {
    const [users, audits] = [await count("users"), await count("audit_log")];
    await expect(
      withAudit(slug, actor, async (tx) => {
        await tx.user.create({ data: { email: "ghost@audit.test" } });
        throw new Error("abort after the write");
      }),
    ).rejects.toThrow("abort after the write");
    expect(await count("users")).toBe(users);
    expect(await count("audit_log")).toBe(audits);
    // ...and a failed write leaves no audit row either.
    await expect(withAudit(slug, actor, (tx) => tx.user.create({ data: { email: "owner@audit.test" } }))).rejects.toMatchObject({ code: "P2002" });
    expect(await count("audit_log")).toBe(audits);
  });

  it("refuses a bad audit context before anything is written", async () => {
    const before = await count("audit_log");
    await expect(withAudit(slug, { actorType: "robot" } as never, (tx) => tx.user.count())).rejects.toBeInstanceOf(AppError);
    expect(await count("audit_log")).toBe(before);
  });
});

describe("no write path skips the audit trail", () => {
  it("refuses a Prisma write outside withAudit, and writes nothing", async () => {
    const users = await count("users");
    await expect(tenantDb(slug).user.create({ data: { email: "sneaky@audit.test" } })).rejects.toThrow(/without an audit context/);
    await expect(tenantDb(slug).organization.updateMany({ data: { name: "x" } })).rejects.toThrow(/without an audit context/);
    expect(await count("users")).toBe(users);
  });

  it("refuses raw SQL writes and TRUNCATE without an audit context", async () => {
    await expect(raw.query(`INSERT INTO "${schema}".users (id, email, updated_at) VALUES (gen_random_uuid(), 'raw@audit.test', now())`)).rejects.toThrow(
      /without an audit context/,
    );
    await expect(raw.query(`DELETE FROM "${schema}".users`)).rejects.toThrow(/without an audit context/);
    await expect(raw.query(`TRUNCATE "${schema}".users CASCADE`)).rejects.toThrow(/bypass the audit trail/);
  });

  it("has the audit triggers on every tenant table (fails when a new table is added without them)", async () => {
    const { rows: tables } = await raw.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'audit\\_%'",
      [schema],
    );
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const { table_name } of tables) {
      const { rows } = await raw.query<{ event: string }>(
        `SELECT DISTINCT event_manipulation AS event FROM information_schema.triggers
          WHERE event_object_schema = $1 AND event_object_table = $2 AND action_statement LIKE '%audit_row_change%'`,
        [schema, table_name],
      );
      expect(rows.map((r) => r.event).sort(), `${table_name} is written without an audit row`).toEqual(["DELETE", "INSERT", "UPDATE"]);
      const truncate = await raw.query(
        `SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2 AND t.tgname LIKE '%no_truncate'`,
        [schema, table_name],
      );
      expect(truncate.rowCount, `${table_name} can be truncated without an audit row`).toBe(1);
    }
  });
});

describe("explicit events", () => {
  it("records with the context and redacts secrets in metadata, however deep", async () => {
    const seq = await recordEvent(slug, actor, {
      action: "auth.sign_in_failed",
      targetType: "user",
      targetId: "u-1",
      summary: "sign-in failed for alice@example.test",
      metadata: { password: "hunter2", nested: { apiKey: "sk_live_x", refresh_token: "rt", list: [{ secret: "s" }] }, reason: "bad password" },
    });
    const [row] = await auditRows("seq = $1", [seq.toString()]);
    expect(row!.metadata).toEqual({
      password: "[redacted]",
      nested: { apiKey: "[redacted]", refresh_token: "[redacted]", list: [{ secret: "[redacted]" }] },
      reason: "bad password",
    });
    expect(JSON.stringify(row)).not.toMatch(/hunter2|sk_live_x/);
  });

  it("redacts secret columns of row changes in the database", async () => {
    const { rows } = await raw.query(`SELECT "${schema}".audit_redact('{"password_hash":"x","webhook_secret":"y","token":null,"name":"n"}'::jsonb) AS r`);
    expect(rows[0].r).toEqual({ password_hash: "[redacted]", webhook_secret: "[redacted]", token: null, name: "n" });
  });

  it("refuses a malformed event", async () => {
    await expect(recordEvent(slug, actor, { action: "Bad Action", summary: "x" })).rejects.toBeInstanceOf(AppError);
  });
});

describe("immutability", () => {
  it("refuses UPDATE, DELETE and TRUNCATE of audit rows, even with a context set", async () => {
    const before = await auditRows();
    await expect(raw.query(`UPDATE "${schema}".audit_log SET summary = 'rewritten'`)).rejects.toThrow(/immutable: UPDATE refused/);
    await expect(raw.query(`DELETE FROM "${schema}".audit_log`)).rejects.toThrow(/immutable: DELETE refused/);
    await expect(raw.query(`TRUNCATE "${schema}".audit_log`)).rejects.toThrow(/immutable: TRUNCATE refused/);
    // A purge marker without its anchor row does not open the door.
    await expect(raw.query(`BEGIN; SELECT set_config('audit.purge_through_seq', '999999', true); DELETE FROM "${schema}".audit_log; COMMIT`)).rejects.toThrow(
      /immutable: DELETE refused/,
    );
    await raw.query("ROLLBACK");
    // Nor can an anchor be forged outside a purge, or name a row by a wrong hash.
    const [newest] = (await auditRows()).slice(-1);
    await expect(
      raw.query(`INSERT INTO "${schema}".audit_retention_anchor (seq, hash, rows, archive_name, archive_sha256) VALUES ($1, $2, 1, 'x', 'y')`, [
        newest!.seq,
        newest!.hash,
      ]),
    ).rejects.toThrow(/retention anchor must name an existing audit row/);
    await expect(
      raw.query(
        `BEGIN; SELECT set_config('audit.purge_through_seq', '${newest!.seq}', true);
         INSERT INTO "${schema}".audit_retention_anchor (seq, hash, rows, archive_name, archive_sha256) VALUES (${newest!.seq}, 'forged', 1, 'x', 'y'); COMMIT`,
      ),
    ).rejects.toThrow(/retention anchor must name an existing audit row/);
    await raw.query("ROLLBACK");
    expect(await count("audit_retention_anchor")).toBe(0);
    expect(await auditRows()).toEqual(before);
  });
});
