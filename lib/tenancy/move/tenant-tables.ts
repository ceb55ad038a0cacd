// The tables of a tenant schema as a move copies them: columns (stored ones, in order)
// and the primary key, read from the catalogue so a table added by a later migration is
// copied without a change here. Every name is checked by quoteIdent before use in SQL.
import type pg from "pg";
import { quoteIdent } from "@/lib/db/identifier";
import { AppError } from "@/lib/errors/app-error";

export interface TenantTable {
  name: string;
  columns: string[];
  key: string[];
}

export async function readTenantTables(client: pg.ClientBase | pg.Pool, schema: string): Promise<TenantTable[]> {
  const { rows } = await client.query<{ name: string; columns: string[]; key: string[] }>(
    `SELECT c.relname::text AS name,
            array(SELECT a.attname::text FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                   ORDER BY a.attnum) AS columns,
            array(SELECT a.attname::text FROM pg_index i
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
                   WHERE i.indrelid = c.oid AND i.indisprimary
                   ORDER BY array_position(i.indkey::int2[], a.attnum)) AS key
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
      ORDER BY c.relname`,
    [schema],
  );
  for (const t of rows) {
    [t.name, ...t.columns].forEach((n) => quoteIdent(n));
    // Without a key a changed row cannot be matched on the target.
    if (!t.key.length) throw new AppError("conflict", `Table ${schema}.${t.name} has no primary key; a move cannot copy it safely.`);
  }
  return rows;
}

/** The two copies must have the same tables and columns (same migrations): else the copy would be wrong. */
export function assertSameShape(source: TenantTable[], target: TenantTable[]): void {
  const shape = (ts: TenantTable[]) => ts.map((t) => `${t.name}(${t.columns.join(",")}|${t.key.join(",")})`).join(" ");
  if (shape(source) !== shape(target)) {
    throw new AppError(
      "conflict",
      "The target schema built from the migrations does not match the source schema (tables or columns differ); run db:migrate and retry.",
    );
  }
}
