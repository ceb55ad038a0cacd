// Helpers for tests that create tenants in the shared scratch database. Every test
// file shares that database with the others, so slugs are random and every test
// cleans up what it created.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { dropTenant } from "@/lib/tenancy/drop-tenant";

/** A fresh, valid slug such as `t-3f9a1c2b7e`. */
export function uniqueSlug(prefix = "t"): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

/**
 * A raw pg client on the platform database, outside the platform's pool, Caller ends it.
 * Direct, not through the test stack's PgBouncer (DATABASE_DIRECT_URL): tests hold
 * session locks and long transactions on it on purpose.
 */
export async function rawClient(): Promise<pg.Client> {
  const url = process.env.DATABASE_DIRECT_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: run the tests with `npm test -- unit`");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

export async function withRawClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await rawClient();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function schemaExists(client: pg.ClientBase, schema: string): Promise<boolean> {
  const { rows } = await client.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", [schema]);
  return rows.length === 1;
}

export async function tableNames(client: pg.ClientBase, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", [
    schema,
  ]);
  return rows.map((r) => r.table_name);
}

export async function columnNames(client: pg.ClientBase, schema: string, table: string): Promise<string[]> {
  const { rows } = await client.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY column_name",
    [schema, table],
  );
  return rows.map((r) => r.column_name);
}

export async function tenantRowCount(client: pg.ClientBase, slug: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM public.tenants WHERE slug = $1", [slug]);
  return rows[0]!.n;
}

/** Ledger rows of one schema: migration name -> checksum. */
export async function ledgerOf(client: pg.ClientBase, schema: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; checksum: string }>(
    "SELECT name, checksum FROM public.schema_migrations WHERE schema_name = $1 ORDER BY name",
    [schema],
  );
  return new Map(rows.map((r) => [r.name, r.checksum]));
}

/** Drops tenants a test created; ignores ones that are already gone. */
export async function dropTenantsQuietly(slugs: Iterable<string>): Promise<void> {
  await Promise.all(
    [...slugs].map((slug) =>
      dropTenant(slug, slug).catch((err: unknown) => {
        if ((err as { code?: string }).code !== "not_found") throw err;
      }),
    ),
  );
}

/** The tables every tenant schema must have: those mapped in prisma/tenant.prisma. */
export function expectedTenantTables(): string[] {
  const schema = readFileSync(new URL("../../prisma/tenant.prisma", import.meta.url), "utf8");
  return [...schema.matchAll(/@@map\("([a-z0-9_]+)"\)/g)].map((m) => m[1]!).sort();
}
