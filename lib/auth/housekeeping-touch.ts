// Housekeeping times written off the request path: a session's last_seen_at and an API
// key's last_used_at. The request queues a touch (at most once per touchEveryMs per row
// per instance) and does not wait for it. Touches of one tenant and table are written by
// one plain statement (autocommit: no Prisma transaction, no BEGIN/COMMIT, no PL/pgSQL);
// touches that arrive while the previous statement runs go out together with the next
// one. A touch lost (a crash, a failed statement) loses only a "last seen" time; the next
// request after the interval writes it again.
//
// Why a plain statement: a PL/pgSQL function, or a trigger function call, is compiled on
// each database connection for each tenant schema it first runs in; with thousands of
// tenants behind a pooler nearly every touch paid that. A change to one of these columns
// alone calls no trigger function (the WHEN clauses of the housekeeping_triggers
// migration) and writes no audit row, but like every write it needs an audit context: the
// platform's own (one statement carries the touches of many requests), set
// transaction-locally by the statement itself before it updates any row (the CTE is
// joined, so it runs first).
//
// Why every 5 minutes: with thousands of tenants nearly every touch is the first UPDATE of
// that tenant's table on its server connection, ~2 ms of PostgreSQL CPU (catalogue entries
// for the table's indexes and triggers); at 1 minute a load spread over 2,000 tenants wrote
// one per 2-3 requests. A "last seen" to 5 minutes is enough for a list; nothing expires on it.
import { auditContextParam, systemContext } from "@/lib/audit/context";
import { groupPerKey } from "@/lib/async/group-while-busy";
import { quoteIdent } from "@/lib/db/identifier";
import { tenantPool } from "@/lib/db/tenant-pool";
import { log } from "@/lib/observability/logger";
import { schemaNameFor } from "@/lib/tenancy/slug";

/** A row's housekeeping time is written at most this often per process. */
export const touchEveryMs = 5 * 60_000;

interface Touch {
  id: string;
  at: Date;
}

const maxPerCall = 500;

function toucher(target: { table: "sessions" | "api_keys"; column: "last_seen_at" | "last_used_at"; what: string }) {
  const context = auditContextParam(systemContext(target.what));
  const groupOf = groupPerKey<Touch, true>(`__touches_${target.table}`, (slug) => {
    const table = `${quoteIdent(schemaNameFor(slug))}.${quoteIdent(target.table)}`;
    const column = quoteIdent(target.column);
    // The latest time per row (a batch may hold two touches of one); never backwards.
    // synchronous_commit off: a touch need not wait for the disk (one lost in a crash is
    // only a "last seen" time), and with thousands of tenants there are many.
    const sql = `WITH ctx AS MATERIALIZED (SELECT set_config('audit.context', $1, true) AS c, set_config('synchronous_commit', 'off', true) AS sync)
      UPDATE ${table} AS s SET ${column} = t.at
        FROM ctx, (SELECT id, max(at) AS at FROM unnest($2::uuid[], $3::timestamptz[]) AS u(id, at) GROUP BY id) AS t
       WHERE ctx.c IS NOT NULL AND s."id" = t.id AND (s.${column} IS NULL OR s.${column} < t.at)`;
    return {
      maxItems: maxPerCall,
      async flush(items) {
        await (await tenantPool(slug)).query(sql, [context, items.map((t) => t.id), items.map((t) => t.at)]);
        return items.map(() => true as const);
      },
    };
  });
  /** Queues the row's time = at; resolves when written (callers need not wait). */
  return (slug: string, id: string, at: Date): Promise<void> =>
    groupOf(slug)
      .submit({ id, at })
      .then(
        () => undefined,
        (err: unknown) => log().warn({ err, component: "auth", tenant: slug }, `${target.what} write failed`),
      );
}

/** Queues a session's last_seen_at. */
export const touchSession = toucher({ table: "sessions", column: "last_seen_at", what: "session last-seen" });

/** Queues an API key's last_used_at (the first use of a UTC day is written in the request, with its audit event). */
export const touchApiKey = toucher({ table: "api_keys", column: "last_used_at", what: "api key last-used" });
