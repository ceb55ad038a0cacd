// The migration ledger: one row per (schema, migration) in public.schema_migrations.
// It is the runner's own table (not in platform.prisma) because it must exist before
// the first platform migration. Keeping every schema's ledger in one table lets a
// no-op run over thousands of tenants read all of them with a single query.
import type pg from "pg";

export const ledgerDdl = `
CREATE TABLE IF NOT EXISTS public.schema_migrations (
  schema_name text NOT NULL,
  name        text NOT NULL,
  checksum    text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now(),
  duration_ms integer NOT NULL DEFAULT 0,
  PRIMARY KEY (schema_name, name)
)`;

export interface LedgerRow {
  schema_name: string;
  name: string;
  checksum: string;
}

export async function ensureLedger(client: pg.ClientBase): Promise<void> {
  try {
    await client.query(ledgerDdl);
  } catch (err) {
    // Two first runs at once: the other one created it (unique_violation on its type).
    if ((err as { code?: string }).code !== "23505") throw err;
  }
}

/** All ledger rows grouped by schema: schema -> (migration name -> checksum). */
export async function readLedger(client: pg.ClientBase): Promise<Map<string, Map<string, string>>> {
  const { rows } = await client.query<LedgerRow>("SELECT schema_name, name, checksum FROM public.schema_migrations");
  const bySchema = new Map<string, Map<string, string>>();
  for (const row of rows) {
    let entries = bySchema.get(row.schema_name);
    if (!entries) bySchema.set(row.schema_name, (entries = new Map()));
    entries.set(row.name, row.checksum);
  }
  return bySchema;
}

/** Builds one INSERT for the ledger rows of migrations just applied to a schema. */
export function ledgerInsert(schema: string, applied: { name: string; checksum: string }[], durationMs: number) {
  const values: string[] = [];
  const params: (string | number)[] = [];
  for (const m of applied) {
    const i = params.length;
    values.push(`($${i + 1}, $${i + 2}, $${i + 3}, $${i + 4})`);
    params.push(schema, m.name, m.checksum, durationMs);
  }
  return {
    text: `INSERT INTO public.schema_migrations (schema_name, name, checksum, duration_ms) VALUES ${values.join(", ")}`,
    values: params,
  };
}
