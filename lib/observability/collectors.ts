// The gauges read from PostgreSQL and Redis when Prometheus scrapes. Each is cached
// (one load per 15-30 s however often and by however many workers it is scraped) and
// bounded: a scrape waits at most SCRAPE_WAIT_MS for a load and otherwise shows the
// previous values (a slow database never makes /api/metrics hang), and a load reads at
// most a fixed number of rows or keys. Imported at start-up (instrumentation.ts) so
// every worker declares them before its first scrape.
import { clusterPool, DEFAULT_CLUSTER, isConfiguredCluster } from "@/lib/db/clusters";
import { clusterPoolRegistry, getPool } from "@/lib/db/pool";
import { redispatchAfterMs } from "@/lib/integrations/inbox/reconcile";
import { quoteIdent } from "@/lib/db/identifier";
import { redisKey, tcpRedis } from "@/lib/redis/tcp-client";
import { listTenants } from "@/lib/tenancy/list-tenants";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { serverEnv } from "@/lib/env";
import { CIRCUIT_LABEL_LIMIT, tenantLabel } from "./bounds";
import { log } from "./logger";
import { cachedCollect, gauge, open, type Labels } from "./metrics";

const SCRAPE_WAIT_MS = 2_000;
/** Tenant schemas counted in one statement (a UNION ALL of per-schema counts). */
const SCHEMAS_PER_STATEMENT = 200;

const quietly = (what: string) => (err: unknown) => log().warn({ err, component: "metrics", what }, "a metrics collector failed; showing its previous values");

// ---- Inbox: backlog, dead letters, stuck and undispatched rows, per tenant ---------

interface InboxCounts {
  tenant: string;
  backlog: number;
  dead: number;
  stuck: number;
  undispatched: number;
}

/**
 * One statement per 200 tenants of a cluster, on that cluster's pool, each part an index
 * scan of the non-processed rows (webhook_events_status_received_at_idx). Only tenants
 * with something to show become series, so an idle tenant costs no series.
 */
async function loadInboxCounts(): Promise<InboxCounts[]> {
  const byCluster = new Map<string, string[]>();
  for (const t of await listTenants()) {
    if (t.status !== "active") continue;
    const cluster = t.cluster ?? DEFAULT_CLUSTER;
    // A cluster this process is not configured for: the start-up check says so loudly.
    if (!isConfiguredCluster(cluster)) continue;
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), t.slug]);
  }
  const stuckBefore = new Date(Date.now() - redispatchAfterMs());
  const out: InboxCounts[] = [];
  // A cluster that is down is left out (its tenants show no series until it is back); the others are counted.
  await Promise.all(
    [...byCluster].map(async ([cluster, slugs]) => {
      for (let i = 0; i < slugs.length; i += SCHEMAS_PER_STATEMENT) {
        const chunk = slugs.slice(i, i + SCHEMAS_PER_STATEMENT);
        const parts = chunk.map(
          (slug, j) =>
            `SELECT $${j + 2}::text AS tenant,
                count(*) FILTER (WHERE status IN ('received', 'processing', 'failed'))::int AS backlog,
                count(*) FILTER (WHERE status = 'dead')::int AS dead,
                count(*) FILTER (WHERE status = 'received' AND dispatched_at < $1)::int AS stuck,
                count(*) FILTER (WHERE dispatched_at IS NULL)::int AS undispatched
           FROM ${quoteIdent(schemaNameFor(slug))}.webhook_events
          WHERE status IN ('received', 'processing', 'failed', 'dead')`,
        );
        const { rows } = await clusterPool(cluster)
          .query<InboxCounts>(parts.join("\nUNION ALL\n"), [stuckBefore, ...chunk])
          .catch(() => ({ rows: [] as InboxCounts[] }));
        out.push(...rows.filter((r) => r.backlog || r.dead || r.stuck || r.undispatched));
      }
    }),
  );
  return out;
}

let inboxLoad: Promise<InboxCounts[]> | undefined;
let inboxLoadedAt = 0;
/** The four inbox gauges share one load. */
function inboxCounts(): Promise<InboxCounts[]> {
  if (!inboxLoad || Date.now() - inboxLoadedAt > 1_000) {
    inboxLoadedAt = Date.now();
    inboxLoad = loadInboxCounts();
  }
  return inboxLoad;
}

function inboxGauge(name: string, help: string, field: Exclude<keyof InboxCounts, "tenant">) {
  gauge({
    name,
    help,
    labels: { tenant: tenantLabel },
    // Every worker reads the same database: show one value, not the sum.
    aggregator: "max",
    collect: cachedCollect<"tenant">(
      30_000,
      SCRAPE_WAIT_MS,
      async () => (await inboxCounts()).filter((r) => r[field] > 0).map((r) => ({ labels: { tenant: r.tenant }, value: r[field] })),
      quietly(name),
    ),
  });
}

inboxGauge("platform_inbox_backlog", "Webhook events received and not yet processed (received, processing, failed), per tenant with any.", "backlog");
inboxGauge("platform_inbox_dead_letters", "Webhook events in the dead-letter state, per tenant with any.", "dead");
inboxGauge(
  "platform_inbox_stuck",
  "Webhook events acknowledged by the engine but still `received` after INBOX_REDISPATCH_AFTER_SECONDS (lost by the engine), per tenant with any.",
  "stuck",
);
inboxGauge("platform_inbox_undispatched", "Webhook events stored but not yet acknowledged by the workflow engine, per tenant with any.", "undispatched");

// ---- Circuits: state per integration, from Redis --------------------------------------

const circuitStates = { closed: 0, "half-open": 1, open: 2 } as const;

/**
 * Circuit hashes exist only for integrations that failed within a day or are open, so a
 * SCAN of `circuit:*` finds just those; it stops at CIRCUIT_LABEL_LIMIT keys.
 */
async function loadCircuits(): Promise<{ labels: Labels<"tenant" | "integration">; value: number }[]> {
  const redis = tcpRedis();
  if (!redis) return [];
  const prefix = redisKey("circuit:");
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    for (const k of found) if (!k.endsWith(":trial") && keys.length < CIRCUIT_LABEL_LIMIT) keys.push(k);
  } while (cursor !== "0" && keys.length < CIRCUIT_LABEL_LIMIT);
  if (!keys.length) return [];
  const pipeline = redis.pipeline();
  for (const k of keys) pipeline.hmget(k, "state", "retryAt");
  const replies = (await pipeline.exec()) ?? [];
  const now = Date.now();
  return keys.flatMap((key, i) => {
    const [err, value] = replies[i] ?? [];
    if (err) return [];
    const [state, retryAt] = value as [string | null, string | null];
    // circuit:<slug>:<integration id>; slugs hold no ':'.
    const [tenant, integration] = key.slice(prefix.length).split(":");
    if (!tenant || !integration) return [];
    const name = state === "open" ? (now >= Number(retryAt ?? 0) ? "half-open" : "open") : "closed";
    return [{ labels: { tenant, integration }, value: circuitStates[name] }];
  });
}

gauge({
  name: "platform_circuit_state",
  help: "Circuit breaker state per integration with recent failures: 0 closed, 1 half-open (retry due), 2 open.",
  labels: { tenant: tenantLabel, integration: open(CIRCUIT_LABEL_LIMIT) },
  seriesLimit: CIRCUIT_LABEL_LIMIT,
  aggregator: "max",
  collect: cachedCollect(15_000, SCRAPE_WAIT_MS, loadCircuits, quietly("circuits")),
});

// ---- Database pool ------------------------------------------------------------------

gauge({
  name: "platform_db_pool_connections",
  help: "This process's PostgreSQL pools, per cluster: connections by state (total, idle), queries waiting for one (waiting), and the pool's size (max).",
  // Clusters come from DATABASE_CLUSTERS: a handful.
  labels: { cluster: open(32), state: ["total", "idle", "waiting", "max"] },
  collect: (g) => {
    g.reset();
    // The platform pool always; a cluster's pool once this process has used it.
    for (const [cluster, pool] of [[DEFAULT_CLUSTER, getPool()] as const, ...clusterPoolRegistry()]) {
      g.set({ cluster, state: "total" }, pool.totalCount);
      g.set({ cluster, state: "idle" }, pool.idleCount);
      g.set({ cluster, state: "waiting" }, pool.waitingCount);
      g.set({ cluster, state: "max" }, pool.options.max ?? serverEnv().DB_POOL_MAX);
    }
  },
});
