// Helpers for the tenant move tests: a second PostgreSQL cluster, and what a tenant
// schema holds (per-table digests, chain head, sequences) so a copy can be compared
// with its original row for row.
import pg from "pg";
import { resetEnvCache } from "@/lib/env";
import { quoteIdent } from "@/lib/db/identifier";

export interface SecondCluster {
  name: string;
  url: string;
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * The second cluster the test stack configured (DATABASE_CLUSTERS); without one, a
 * scratch database on the same server, configured as cluster `c2` for this process and
 * the CLIs it starts.
 */
export async function secondCluster(): Promise<SecondCluster> {
  const configured = (process.env.DATABASE_CLUSTERS ?? "").split(",").find((e) => e.includes("="));
  let name: string;
  let url: string;
  let dropDb: (() => Promise<void>) | undefined;
  if (configured) {
    name = configured.slice(0, configured.indexOf("=")).trim();
    url = configured.slice(configured.indexOf("=") + 1).trim();
  } else {
    const base = new URL(process.env.DATABASE_URL!);
    const db = `${base.pathname.slice(1)}_c2`;
    const admin = new pg.Client({ connectionString: base.toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
    await admin.query(`CREATE DATABASE ${quoteIdent(db)}`);
    await admin.end();
    base.pathname = `/${db}`;
    url = base.toString();
    name = "c2";
    process.env.DATABASE_CLUSTERS = `${name}=${url}`;
    resetEnvCache();
    dropDb = async () => {
      const a = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)} WITH (FORCE)`);
      await a.end();
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  return {
    name,
    url,
    pool,
    async close() {
      await pool.end();
      await dropDb?.();
    },
  };
}

/** Per table: row count and an md5 over its rows in key order (every column, as text). */
export async function schemaDigest(db: pg.Pool | pg.ClientBase, schema: string, opts: { auditThroughSeq?: bigint } = {}): Promise<Record<string, string>> {
  const { rows: tables } = await db.query<{ name: string }>(
    "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1",
    [schema],
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const where = name === "audit_log" && opts.auditThroughSeq !== undefined ? `WHERE t."seq" <= ${opts.auditThroughSeq.toString()}` : "";
    const { rows } = await db.query<{ n: string; d: string | null }>(
      `SELECT count(*)::text AS n, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS d FROM ${quoteIdent(schema)}.${quoteIdent(name)} t ${where}`,
    );
    out[name] = `${rows[0]!.n}:${rows[0]!.d ?? "-"}`;
  }
  return out;
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
