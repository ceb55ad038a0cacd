// Helpers for the tenant move tests: the second PostgreSQL cluster, and what a tenant
// schema holds (per-table digests, chain head, sequences) so a copy can be compared
// with its original row for row.
import pg from "pg";
import { quoteIdent } from "@/lib/db/identifier";
import { clusterUrls, secondCluster } from "./clusters";

export interface SecondCluster {
  name: string;
  url: string;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** The test stack's second cluster (test/support/clusters.ts), with a pool of its own. */
export function moveTarget(): SecondCluster {
  const name = secondCluster();
  const url = clusterUrls().get(name)!;
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  return { name, url, pool, close: () => pool.end() };
}

/**
 * Per table: row count and an md5 over its rows (every column, as text). Independent of
 * the server: rows are ordered by their own md5 (no collation), and times and numbers
 * print the same whatever the server's time zone or settings.
 */
export async function schemaDigest(pool: pg.Pool, schema: string, opts: { auditThroughSeq?: bigint } = {}): Promise<Record<string, string>> {
  const db = await pool.connect();
  try {
    await db.query("BEGIN READ ONLY");
    await db.query("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1");
    const { rows: tables } = await db.query<{ name: string }>(
      "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1",
      [schema],
    );
    const out: Record<string, string> = {};
    for (const { name } of tables) {
      const where = name === "audit_log" && opts.auditThroughSeq !== undefined ? `WHERE t."seq" <= ${opts.auditThroughSeq.toString()}` : "";
      const { rows } = await db.query<{ n: string; d: string | null }>(
        `SELECT count(*)::text AS n, md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS d FROM ${quoteIdent(schema)}.${quoteIdent(name)} t ${where}`,
      );
      out[name] = `${rows[0]!.n}:${rows[0]!.d ?? "-"}`;
    }
    return out;
  } finally {
    await db.query("ROLLBACK").catch(() => undefined);
    db.release();
  }
}

export async function clusterOf(db: pg.Pool | pg.ClientBase, slug: string): Promise<string> {
  const { rows } = await db.query<{ cluster: string }>("SELECT cluster FROM public.tenants WHERE slug = $1", [slug]);
  return rows[0]!.cluster;
}

export async function hasSchema(db: pg.Pool | pg.ClientBase, schema: string): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  return rows.length === 1;
}

export async function movesOf(db: pg.Pool | pg.ClientBase, slug: string) {
  const { rows } = await db.query<{ state: string; error: string | null; hold_ms: number | null; steps: { step: string }[] }>(
    "SELECT state, error, hold_ms, steps FROM public.tenant_moves WHERE slug = $1 ORDER BY started_at",
    [slug],
  );
  return rows;
}
