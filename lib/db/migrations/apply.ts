// Applies pending migrations to one schema in one transaction: all of them and the
// ledger rows, or none. search_path is set with SET LOCAL on a connection we hold for
// the transaction only, so it never leaks to pooled Prisma queries.
import type pg from "pg";
import { quoteIdent } from "@/lib/db/identifier";
import type { MigrationFile } from "./files";
import { withPgTransaction } from "@/lib/db/transaction";
import { grantAppRole } from "./grants";
import { ledgerInsert } from "./ledger";

export async function applyToSchemaInTransaction(
  client: pg.ClientBase,
  schema: string,
  pending: MigrationFile[],
  options: { createSchema: boolean; appRole?: string },
): Promise<void> {
  const ident = quoteIdent(schema);
  if (options.createSchema) await client.query(`CREATE SCHEMA ${ident}`);
  if (pending.length === 0) return;
  const started = performance.now();
  await client.query(`SET LOCAL search_path TO ${ident}`);
  // One round trip for all the DDL: the simple query protocol runs many statements.
  await client.query(pending.map((m) => m.sql).join("\n;\n"));
  await client.query("SET LOCAL search_path TO public");
  await client.query(ledgerInsert(schema, pending, Math.round(performance.now() - started)));
  // New tables need the application role's grants in the same transaction.
  await grantAppRole(client, schema, options.appRole);
}

export async function applyToSchema(pool: pg.Pool, schema: string, pending: MigrationFile[], appRole?: string): Promise<void> {
  if (pending.length === 0) return;
  await withPgTransaction(pool, (client) => applyToSchemaInTransaction(client, schema, pending, { createSchema: false, appRole }));
}
