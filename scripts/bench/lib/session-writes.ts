// How many session last-seen writes a window held, so a spread run's ratio can be read
// with them: each touch is an UPDATE in its tenant's own schema, and a load spread over
// thousands of tenants makes them for each tenant in turn (lib/auth/sessions.ts,
// touchEveryMs). Read from PostgreSQL's table statistics (rows updated in every
// `sessions` table of the bench's database, on every cluster), which backends publish
// about once a second under load: a 10 s window's count is good to about a second.
import pg from "pg";
import { clusterPairs } from "../../lib/stack";

/** Each cluster's direct URL (the statistics are the server's; PgBouncer would do too). */
export function clusterUrls(env: NodeJS.ProcessEnv): string[] {
  const platform = env.DATABASE_DIRECT_URL ?? env.DATABASE_URL;
  const others = clusterPairs(env.DATABASE_CLUSTERS_DIRECT ?? env.DATABASE_CLUSTERS ?? "").map(([, url]) => url);
  return [...new Set([platform, ...others].filter((u): u is string => Boolean(u)))];
}

/** Rows updated so far in all `sessions` tables of the database, summed over the clusters. */
export async function sessionRowsUpdated(urls: string[]): Promise<number> {
  const counts = await Promise.all(
    urls.map(async (url) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const { rows } = await c.query<{ n: string }>("SELECT coalesce(sum(n_tup_upd), 0)::bigint AS n FROM pg_stat_user_tables WHERE relname = 'sessions'");
        return Number(rows[0]!.n);
      } finally {
        await c.end();
      }
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}
