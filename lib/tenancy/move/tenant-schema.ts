// The tenant schema on one cluster, as a move sees it: its migration ledger, whether it
// exists, building it at the latest migration (the target) and dropping it with its
// ledger rows (the old copy, or a cleaned-up target). The ledger of a schema lives on
// the cluster the schema lives on.
import type pg from "pg";
import { quoteIdent } from "@/lib/db/identifier";
import { applyToSchemaInTransaction } from "@/lib/db/migrations/apply";
import type { MigrationFile } from "@/lib/db/migrations/files";
import { ensureLedger } from "@/lib/db/migrations/ledger";
import { withPgTransaction } from "@/lib/db/transaction";
import { AppError } from "@/lib/errors/app-error";

export async function schemaExists(pool: pg.Pool, schema: string): Promise<boolean> {
  const { rows } = await pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  return rows.length > 0;
}

/** The schema's ledger as "name:checksum" lines, sorted (to compare two points in time). */
export async function ledgerFingerprint(pool: pg.Pool, schema: string): Promise<string> {
  const { rows } = await pool.query<{ name: string; checksum: string }>(
    "SELECT name, checksum FROM public.schema_migrations WHERE schema_name = $1 ORDER BY name",
    [schema],
  );
  return rows.map((r) => `${r.name}:${r.checksum}`).join("\n");
}

/** Refuses to copy a schema that is not at the latest tenant migration: the target is built at the latest. */
export async function assertAtLatestMigration(pool: pg.Pool, schema: string, cluster: string, migrations: MigrationFile[]): Promise<string> {
  const fingerprint = await ledgerFingerprint(pool, schema);
  const expected = [...migrations]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => `${m.name}:${m.checksum}`)
    .join("\n");
  if (fingerprint !== expected) {
    throw new AppError("conflict", `Schema ${schema} on cluster ${cluster} is not at the latest tenant migration; run npm run db:migrate first.`);
  }
  return fingerprint;
}

export async function createSchemaAtLatest(pool: pg.Pool, schema: string, migrations: MigrationFile[], appRole: string | undefined): Promise<void> {
  await withPgTransaction(pool, async (client) => {
    await ensureLedger(client);
    // Rows of an earlier schema of that name that is gone (the schema is checked absent).
    await client.query("DELETE FROM public.schema_migrations WHERE schema_name = $1", [schema]);
    await applyToSchemaInTransaction(client, schema, migrations, { createSchema: true, appRole });
  });
}

export async function dropSchemaWithLedger(pool: pg.Pool, schema: string): Promise<void> {
  await withPgTransaction(pool, async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    const ledger = await client.query("SELECT to_regclass('public.schema_migrations') IS NOT NULL AS present");
    if (ledger.rows[0]?.present) await client.query("DELETE FROM public.schema_migrations WHERE schema_name = $1", [schema]);
  });
}
