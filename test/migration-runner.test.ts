// migrateAll against real PostgreSQL with synthetic migration lists (the real files
// plus extra ones), limited with `slugs` to this file's tenants so that tenants of
// other test files are never touched. The real migrations directory is only read.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checksumOf, loadMigrations, type MigrationFile } from "@/lib/db/migrations/files";
import { MIGRATION_LOCK_KEY } from "@/lib/db/migrations/lock";
import { migrateAll, type MigrateOptions, type MigrationReport, type SchemaResult } from "@/lib/db/migrations/runner";
import { closePool, getPool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { runScript } from "./support/cli";
import { columnNames, dropTenantsQuietly, ledgerOf, rawClient, tableNames, tenantRowCount, uniqueSlug, expectedTenantTables } from "./support/tenants";

const platformMigrations = loadMigrations("platform");
const realTenantMigrations = loadMigrations("tenant");

let counter = 0;
/** A synthetic tenant migration with a unique name that sorts after the real ones. */
function migration(label: string, sql: string): MigrationFile {
  counter += 1;
  const name = `2999123100${String(counter).padStart(4, "0")}_${label}`;
  return { name, sql, checksum: checksumOf(sql) };
}

const created: string[] = [];
let raw: pg.Client;

async function newTenants(count: number, prefix = "mr"): Promise<string[]> {
  const slugs = Array.from({ length: count }, () => uniqueSlug(prefix));
  created.push(...slugs);
  for (const slug of slugs) await createTenant({ slug, name: slug });
  return slugs.sort();
}

function migrate(slugs: string[], tenantMigrations: MigrationFile[], options: Partial<MigrateOptions> = {}) {
  return migrateAll(getPool(), { concurrency: 4, platformMigrations, tenantMigrations, slugs, ...options });
}

const appliedBySchema = (report: MigrationReport) => Object.fromEntries(report.tenants.map((t) => [t.schema, t.error ? `error: ${t.error}` : t.applied]));

/** Holds the migration lock on a connection of its own (not the pool) while fn runs. */
async function whileLockHeld<T>(fn: () => Promise<T>): Promise<T> {
  const holder = await rawClient();
  try {
    await holder.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    return await fn();
  } finally {
    await holder.end(); // ending the session releases the lock
  }
}

beforeAll(async () => {
  raw = await rawClient();
});

afterAll(async () => {
  // dropTenant also deletes the ledger rows of the synthetic migrations.
  await dropTenantsQuietly(created);
  await raw?.end();
  await closePool();
});

describe("migrateAll", () => {
  it("applies pending migrations to the chosen tenants, writes the ledger, then has nothing to do", async () => {
    const slugs = await newTenants(3);
    const [bystander] = await newTenants(1);
    const addX = migration("add_x", "ALTER TABLE users ADD COLUMN x text;");
    const files = [...realTenantMigrations, addX];

    const done: SchemaResult[] = [];
    const first = await migrate(slugs, files, { onTenantDone: (r) => done.push(r) });
    expect(first.platform).toEqual({ schema: "public", applied: [] });
    expect(first.tenantCount).toBe(3);
    expect(first.failed).toBe(0);
    expect(first.tenants).toEqual(slugs.map((slug) => ({ schema: schemaNameFor(slug), slug, applied: [addX.name] })));
    expect(done.map((r) => r.slug).sort()).toEqual(slugs);

    for (const slug of slugs) {
      const schema = schemaNameFor(slug);
      expect(await columnNames(raw, schema, "users")).toContain("x");
      expect(await ledgerOf(raw, schema)).toEqual(new Map(files.map((m) => [m.name, m.checksum])));
    }
    // A tenant outside `slugs` is untouched.
    expect(await columnNames(raw, schemaNameFor(bystander!), "users")).not.toContain("x");
    expect((await ledgerOf(raw, schemaNameFor(bystander!))).has(addX.name)).toBe(false);

    const second = await migrate(slugs, files);
    expect(second).toMatchObject({ tenants: [], tenantCount: 3, failed: 0, platform: { applied: [] } });
  });

  it("refuses unknown tenant slugs", async () => {
    const missing = uniqueSlug("missing");
    const err = await migrate([missing], realTenantMigrations).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "not_found", message: `Unknown tenant(s): ${missing}` });
  });

  it("refuses to run when an applied migration was edited, naming it, and applies nothing", async () => {
    const slugs = await newTenants(2);
    const addY = migration("add_y", "ALTER TABLE users ADD COLUMN y text;");
    await migrate(slugs, [...realTenantMigrations, addY]);
    const [edited] = slugs;
    // Only one tenant's ledger disagrees, and one tenant-side change is pending everywhere.
    await raw.query("UPDATE public.schema_migrations SET checksum = $1 WHERE schema_name = $2 AND name = $3", [
      checksumOf("something else"),
      schemaNameFor(edited!),
      addY.name,
    ]);
    const addZ = migration("add_z", "ALTER TABLE users ADD COLUMN z text;");

    const err = await migrate(slugs, [...realTenantMigrations, addY, addZ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("conflict");
    expect((err as AppError).message).toMatch(/^Refusing to migrate:/);
    expect((err as AppError).message).toContain(`${schemaNameFor(edited!)}: migration ${addY.name} was edited after it was applied`);
    for (const slug of slugs) {
      expect(await columnNames(raw, schemaNameFor(slug), "users")).not.toContain("z");
      expect((await ledgerOf(raw, schemaNameFor(slug))).has(addZ.name)).toBe(false);
    }

    // The same happens when the SQL itself changes under the same name.
    await raw.query("UPDATE public.schema_migrations SET checksum = $1 WHERE schema_name = $2 AND name = $3", [
      addY.checksum,
      schemaNameFor(edited!),
      addY.name,
    ]);
    const editedSql = { ...addY, sql: `${addY.sql}\n-- edited`, checksum: checksumOf(`${addY.sql}\n-- edited`) };
    await expect(migrate(slugs, [...realTenantMigrations, editedSql, addZ])).rejects.toThrow(
      new RegExp(`migration ${addY.name} was edited after it was applied`),
    );
  });

  it("applies no pending platform migration when a tenant schema has drifted", async () => {
    const slugs = await newTenants(1);
    const addW = migration("add_w", "ALTER TABLE users ADD COLUMN w text;");
    await migrate(slugs, [...realTenantMigrations, addW]);
    await raw.query("UPDATE public.schema_migrations SET checksum = $1 WHERE schema_name = $2 AND name = $3", [
      checksumOf("tampered"),
      schemaNameFor(slugs[0]!),
      addW.name,
    ]);
    const platformExtra: MigrationFile = {
      name: "29991231235959_platform_probe",
      sql: "CREATE TABLE public.platform_probe_table (id int);",
      checksum: checksumOf("CREATE TABLE public.platform_probe_table (id int);"),
    };
    await expect(migrate(slugs, [...realTenantMigrations, addW], { platformMigrations: [...platformMigrations, platformExtra] })).rejects.toThrow(
      /was edited after it was applied/,
    );
    expect(await tableNames(raw, "public")).not.toContain("platform_probe_table");
    expect((await ledgerOf(raw, "public")).has(platformExtra.name)).toBe(false);
  });

  it("refuses to run when an applied migration is missing from disk", async () => {
    const slugs = await newTenants(1);
    const addW = migration("add_w", "ALTER TABLE users ADD COLUMN w text;");
    await migrate(slugs, [...realTenantMigrations, addW]);
    const err = await migrate(slugs, realTenantMigrations).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "conflict" });
    expect((err as Error).message).toContain(`${schemaNameFor(slugs[0]!)}: applied migration ${addW.name} is missing from disk`);
  });

  it("isolates a failing tenant, reports it, and resumes only that tenant on the next run", async () => {
    const slugs = await newTenants(3);
    const broken = slugs[1]!;
    const brokenSchema = schemaNameFor(broken);
    // A conflicting column in one tenant makes the first of two new migrations fail there.
    await raw.query(`ALTER TABLE "${brokenSchema}".users ADD COLUMN nickname text`);
    const addNickname = migration("add_nickname", "ALTER TABLE users ADD COLUMN nickname text;");
    const addTags = migration("add_tags", "CREATE TABLE tags (id uuid PRIMARY KEY, label text NOT NULL);");
    const files = [...realTenantMigrations, addNickname, addTags];

    const report = await migrate(slugs, files);
    expect(report.failed).toBe(1);
    expect(report.tenantCount).toBe(3);
    expect(report.tenants.filter((t) => t.error).map((t) => t.slug)).toEqual([broken]);
    expect(report.tenants.find((t) => t.slug === broken)?.error).toMatch(/column "nickname" of relation "users" already exists/);
    for (const slug of slugs) {
      const schema = schemaNameFor(slug);
      const ledger = await ledgerOf(raw, schema);
      if (slug === broken) {
        // All or nothing per schema: the second migration was rolled back with the first.
        expect(await tableNames(raw, schema)).not.toContain("tags");
        expect(ledger.has(addNickname.name) || ledger.has(addTags.name)).toBe(false);
      } else {
        expect(await tableNames(raw, schema)).toContain("tags");
        expect([...ledger.keys()]).toEqual(files.map((m) => m.name));
      }
    }

    await raw.query(`ALTER TABLE "${brokenSchema}".users DROP COLUMN nickname`);
    const rerun = await migrate(slugs, files);
    expect(rerun.failed).toBe(0);
    expect(appliedBySchema(rerun)).toEqual({ [brokenSchema]: [addNickname.name, addTags.name] });
    expect(await tableNames(raw, brokenSchema)).toContain("tags");
    expect([...(await ledgerOf(raw, brokenSchema)).keys()]).toEqual(files.map((m) => m.name));
  });

  it("runs at most `concurrency` tenant schemas at once", async () => {
    const slugs = await newTenants(4);
    // Each migration records when it ran in its own schema.
    const probe = (label: string) =>
      migration(
        label,
        `CREATE TABLE ${label} (started timestamptz, finished timestamptz);
         INSERT INTO ${label} (started) VALUES (clock_timestamp());
         SELECT pg_sleep(0.3);
         UPDATE ${label} SET finished = clock_timestamp();`,
      );
    const maxOverlap = async (table: string) => {
      const intervals: { start: number; end: number }[] = [];
      for (const slug of slugs) {
        const { rows } = await raw.query(`SELECT started, finished FROM "${schemaNameFor(slug)}".${table}`);
        intervals.push({ start: (rows[0].started as Date).getTime(), end: (rows[0].finished as Date).getTime() });
      }
      // The most intervals that contain any one start time.
      return Math.max(...intervals.map((i) => intervals.filter((j) => j.start <= i.start && i.start < j.end).length));
    };

    const serial = probe("probe_serial");
    const one = await migrate(slugs, [...realTenantMigrations, serial], { concurrency: 1 });
    expect(one.tenants.map((t) => t.applied)).toEqual(slugs.map(() => [serial.name]));
    expect(await maxOverlap("probe_serial")).toBe(1);

    const parallel = probe("probe_parallel");
    const two = await migrate(slugs, [...realTenantMigrations, serial, parallel], { concurrency: 2 });
    expect(two.tenants.map((t) => t.applied)).toEqual(slugs.map(() => [parallel.name]));
    expect(await maxOverlap("probe_parallel")).toBe(2);
  });
});

describe("the migration lock", () => {
  it("makes a run give up with a clear error while another session holds it", async () => {
    const slugs = await newTenants(1);
    const pending = migration("add_locked", "ALTER TABLE users ADD COLUMN locked text;");
    const files = [...realTenantMigrations, pending];

    await whileLockHeld(async () => {
      const started = performance.now();
      const err = await migrate(slugs, files, { lockWaitMs: 200 }).catch((e: unknown) => e);
      const waited = performance.now() - started;
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("conflict");
      expect((err as AppError).message).toMatch(/holds the migration lock; try again/);
      expect(waited).toBeGreaterThanOrEqual(150);

      // Without a wait it gives up at once.
      await expect(migrate(slugs, files, { lockWaitMs: 0 })).rejects.toThrow(/holds the migration lock/);
    });
    expect((await ledgerOf(raw, schemaNameFor(slugs[0]!))).has(pending.name)).toBe(false);

    // Released: the same run now goes through, and the pool's connections are not left
    // with a lock_timeout.
    const report = await migrate(slugs, files, { lockWaitMs: 200 });
    expect(appliedBySchema(report)).toEqual({ [schemaNameFor(slugs[0]!)]: [pending.name] });
    const clients = await Promise.all(Array.from({ length: 3 }, () => getPool().connect()));
    try {
      for (const c of clients) expect((await c.query("SHOW lock_timeout")).rows[0].lock_timeout).toBe("0");
    } finally {
      for (const c of clients) c.release();
    }
  });

  it("serialises concurrent runs: each migration is applied exactly once per schema", async () => {
    const slugs = await newTenants(3);
    const addV = migration("add_v", "ALTER TABLE users ADD COLUMN v text;");
    const files = [...realTenantMigrations, addV];

    const reports = await Promise.all([
      migrate(slugs, files, { lockWaitMs: 20_000 }),
      migrate(slugs, files, { lockWaitMs: 20_000 }),
      migrate(slugs, files, { lockWaitMs: 20_000, concurrency: 1 }),
    ]);
    expect(reports.map((r) => r.failed)).toEqual([0, 0, 0]);
    const applications = reports.flatMap((r) => r.tenants.flatMap((t) => t.applied.map((name) => `${t.schema}:${name}`)));
    expect(applications.sort()).toEqual(slugs.map((slug) => `${schemaNameFor(slug)}:${addV.name}`).sort());
    expect(reports.filter((r) => r.tenants.length === 0)).toHaveLength(2);
    for (const slug of slugs) expect(await columnNames(raw, schemaNameFor(slug), "users")).toContain("v");
  });

  it("blocks tenant creation while a migration run holds it", async () => {
    const slug = uniqueSlug("mr");
    created.push(slug);
    let settled = false;
    const creating = await whileLockHeld(async () => {
      const promise = createTenant({ slug, name: "Waits" }).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      expect(await tenantRowCount(raw, slug)).toBe(0);
      return { promise };
    });
    await creating.promise;
    expect(await tenantRowCount(raw, slug)).toBe(1);
  });
});

describe("scripts/db/migrate.ts", { timeout: 60_000 }, () => {
  it("brings a tenant that is behind up to date and prints a summary", async () => {
    const [slug] = await newTenants(1);
    const schema = schemaNameFor(slug!);
    // Simulate a tenant created before the real migrations existed.
    await raw.query(`DROP SCHEMA "${schema}" CASCADE; CREATE SCHEMA "${schema}"`);
    await raw.query("DELETE FROM public.schema_migrations WHERE schema_name = $1", [schema]);

    const first = await runScript("scripts/db/migrate.ts", ["--tenant", slug!, "--concurrency", "2"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const names = realTenantMigrations.map((m) => m.name).join(", ");
    const lines = first.stdout.split("\n");
    expect(lines.slice(0, 2)).toEqual(["public: up to date", `${schema}: applied ${names}`]);
    expect(lines[2]).toMatch(/^1 tenant schema\(s\) checked, 1 migrated, 0 failed, 0 already up to date, in \d+ ms$/);
    expect(lines.slice(3)).toEqual([""]);
    expect(await tableNames(raw, schema)).toEqual(expectedTenantTables());
    expect([...(await ledgerOf(raw, schema)).keys()]).toEqual(realTenantMigrations.map((m) => m.name));

    const second = await runScript("scripts/db/migrate.ts", ["--tenant", slug!]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^public: up to date\n1 tenant schema\(s\) checked, 0 migrated, 0 failed, 1 already up to date, in \d+ ms\n$/);
  });

  it("exits 2 on bad arguments", async () => {
    const result = await runScript("scripts/db/migrate.ts", ["--concurrency", "0"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--concurrency must be 1-64");
    expect(result.stderr).toContain("usage: npm run db:migrate");
  });
});
