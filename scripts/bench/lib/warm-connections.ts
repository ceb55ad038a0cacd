// The spread load's steady state needs PostgreSQL's server connections to know the
// tenants' tables. A server connection's first statement on a tenant's table builds that
// table's catalogue entries (relation, indexes, triggers, constraints) in that backend:
// ~1-1.5 ms of PostgreSQL CPU here, then kept for the connection's life (PgBouncer keeps
// a server connection up to server_lifetime, an hour by default). A service that has run
// for a while has paid it; a bench that starts PgBouncer fresh would, with 20 server
// connections per cluster, need ~60 visits per tenant before its spread windows stop
// measuring that warm-up. So after the first visits (which are reported, warm-up
// included), each of PgBouncer's server connections reads the tables the W1 request
// uses, for every tenant of its cluster: `size` client connections per cluster, each in
// short read-only transactions (a transaction locks every table it reads: one over a
// thousand tenants runs out of lock slots). Transaction pooling hands a client the server
// connection it released last (LIFO) unless another took it, so each transaction asks
// which backend it is on and reads the tenants that backend has not read yet.
import pg from "pg";
import { quoteIdent } from "@/lib/db/identifier";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { clusterPairs } from "../../lib/stack";

export interface WarmResult {
  clusters: number;
  /** Server connections (backends) that read every tenant of their cluster. */
  serverConnections: number;
  tenants: number;
  ms: number;
}

const perTransaction = 25;

async function warmCluster(url: string, tenants: string[], size: number): Promise<number> {
  const seen = new Map<number, Set<string>>();
  const clients = await Promise.all(
    Array.from({ length: size }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  await Promise.all(
    clients.map(async (c) => {
      // A client whose backend has read everything stops; the others go on with theirs.
      for (let i = 0; i < (tenants.length / perTransaction) * size * 2; i++) {
        await c.query("BEGIN READ ONLY");
        const pid = (await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
        const done = seen.get(pid) ?? new Set<string>();
        seen.set(pid, done);
        const todo = tenants.filter((t) => !done.has(t)).slice(0, perTransaction);
        for (const slug of todo) {
          done.add(slug);
          const schema = quoteIdent(schemaNameFor(slug));
          await c.query(`SELECT id, email FROM ${schema}.users ORDER BY email LIMIT 1`);
          await c.query(`SELECT s.id FROM ${schema}.sessions s JOIN ${schema}.users u ON u.id = s.user_id LIMIT 1`);
        }
        await c.query("COMMIT");
        if (todo.length === 0) break;
      }
      await c.end();
    }),
  );
  return [...seen.values()].filter((done) => done.size === tenants.length).length;
}

/** Null when the app connects without PgBouncer (its own pools' connections cannot be reached from here). */
export async function warmServerConnections(env: NodeJS.ProcessEnv, slugs: string[], size: number): Promise<WarmResult | null> {
  if (!env.DATABASE_DIRECT_URL) return null;
  const t0 = performance.now();
  const urls = new Map([["default", env.DATABASE_URL!], ...clusterPairs(env.DATABASE_CLUSTERS ?? "")]);
  const platform = new pg.Client({ connectionString: env.DATABASE_DIRECT_URL });
  await platform.connect();
  const { rows } = await platform
    .query<{ slug: string; cluster: string }>("SELECT slug, cluster FROM public.tenants WHERE slug = ANY($1::text[])", [slugs])
    .finally(() => platform.end());
  const byCluster = new Map<string, string[]>();
  for (const r of rows) byCluster.set(r.cluster, [...(byCluster.get(r.cluster) ?? []), r.slug]);
  const warmed = await Promise.all(
    [...byCluster].map(([cluster, tenants]) => {
      const url = urls.get(cluster);
      if (!url) throw new Error(`warm-up: no URL for cluster ${cluster}`);
      return warmCluster(url, tenants, size);
    }),
  );
  return { clusters: byCluster.size, serverConnections: warmed.reduce((a, b) => a + b, 0), tenants: rows.length, ms: performance.now() - t0 };
}
