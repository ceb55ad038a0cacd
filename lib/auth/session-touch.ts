// A session's last_seen_at, written off the request path. liveSession queues a touch
// (at most once per touchEveryMs, 5 minutes, per session per instance) and does not wait for it. Touches of
// one tenant are written by one plain statement (autocommit: no Prisma transaction, no
// BEGIN/COMMIT, no PL/pgSQL); touches that arrive while the tenant's previous statement
// runs go out together with the next one. A touch lost (a crash, a failed statement)
// loses only a "last seen" time; the next request after the interval writes it again.
//
// Why a plain statement: a PL/pgSQL function, or a trigger function call, is compiled on
// each database connection for each tenant schema it first runs in; with thousands of
// tenants behind a pooler nearly every touch paid that. A change to last_seen_at alone
// calls no trigger function (the WHEN clauses of the housekeeping_triggers migration)
// and writes no audit row, but like every write it needs an audit context: the platform's
// own (one statement carries the touches of many requests), set transaction-locally by
// the statement itself before it updates any row (the CTE is joined, so it runs first).
import { auditContextParam, systemContext } from "@/lib/audit/context";
import { groupPerKey } from "@/lib/async/group-while-busy";
import { quoteIdent } from "@/lib/db/identifier";
import { tenantPool } from "@/lib/db/tenant-pool";
import { log } from "@/lib/observability/logger";
import { schemaNameFor } from "@/lib/tenancy/slug";

interface Touch {
  sessionId: string;
  at: Date;
}

const maxPerCall = 500;
const touchContext = auditContextParam(systemContext("session last-seen"));

const groupOf = groupPerKey<Touch, true>("__sessionTouches", (slug) => {
  const sessions = `${quoteIdent(schemaNameFor(slug))}."sessions"`;
  // The latest time per session (a batch may hold two touches of one); never backwards.
  // synchronous_commit off: a touch need not wait for the disk (one lost in a crash is
  // only a "last seen" time), and with thousands of tenants there are many.
  const sql = `WITH ctx AS MATERIALIZED (SELECT set_config('audit.context', $1, true) AS c, set_config('synchronous_commit', 'off', true) AS sync)
    UPDATE ${sessions} AS s SET "last_seen_at" = t.at
      FROM ctx, (SELECT id, max(at) AS at FROM unnest($2::uuid[], $3::timestamptz[]) AS u(id, at) GROUP BY id) AS t
     WHERE ctx.c IS NOT NULL AND s."id" = t.id AND s."last_seen_at" < t.at`;
  return {
    maxItems: maxPerCall,
    async flush(items) {
      await (await tenantPool(slug)).query(sql, [touchContext, items.map((t) => t.sessionId), items.map((t) => t.at)]);
      return items.map(() => true as const);
    },
  };
});

/** Queues last_seen_at = at for the session; resolves when written (callers need not wait). */
export function touchSession(slug: string, sessionId: string, at: Date): Promise<void> {
  return groupOf(slug)
    .submit({ sessionId, at })
    .then(
      () => undefined,
      (err: unknown) => log().warn({ err, component: "auth", tenant: slug }, "session last-seen write failed"),
    );
}
