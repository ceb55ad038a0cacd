// Runs once when a server starts: validates configuration (a bad variable stops the
// start with its name) and builds the Edge's Redis mirror of tenants and domains if
// Redis has none (a fresh or flushed Redis). An existing mirror is left alone, so
// instances starting during a deploy do not race domain changes. Then, in the
// background, accepted webhooks the workflow engine never acknowledged (the process
// was killed between storing and sending) are offered to it again, with the same age
// bound as the periodic pass (rows younger than 30 s are the live requests'). The audit sealer
// loop starts here too: audit rows are sequenced on insert and sealed into each tenant's
// hash chain by it within about a second (lib/audit/sealer-loop.ts).
// A tenant placed on a database cluster missing from DATABASE_CLUSTERS stops the start
// too, with the cluster's name (a platform database that cannot be reached does not:
// /api/ready says so). OpenTelemetry tracing starts before all of that, when
// OTEL_EXPORTER_OTLP_ENDPOINT is set.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { serverEnv } = await import("@/lib/env");
  const env = serverEnv();
  // Tracing first, so its pg and ioredis instrumentations see those modules load. Off
  // (OTEL_EXPORTER_OTLP_ENDPOINT unset), the SDK is not even imported.
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) (await import("@/lib/observability/tracing/start")).startTracing(env);
  const { log } = await import("@/lib/observability/logger");
  const { checkTenantClusters } = await import("@/lib/db/cluster-registry");
  const { AppError } = await import("@/lib/errors/app-error");
  await checkTenantClusters().catch((err: unknown) => {
    if (err instanceof AppError) {
      log().fatal({ component: "db" }, err.message);
      throw err;
    }
    log().warn({ err, component: "db" }, "could not check the tenants' database clusters at start-up");
  });
  // The series read on scrape (backlog, dead letters, circuits, pool...) are declared in
  // every worker, so the cluster's aggregated /api/metrics has them from the start.
  await import("@/lib/observability/collectors");
  (await import("@/lib/observability/cluster-metrics")).joinClusterMetrics();
  const { rebuildMirrorIfMissing } = await import("@/lib/tenancy/mirror");
  const result = await rebuildMirrorIfMissing().catch((err: unknown) => ({ ok: false, error: String(err) }));
  if (!result.ok) log().warn({ component: "tenancy", reason: result.error }, "Redis mirror not rebuilt at start-up");
  const { startAuditSealer } = await import("@/lib/audit/sealer-loop");
  startAuditSealer();
  const { periodicMinAgeMs, reconcilePass } = await import("@/lib/integrations/inbox/reconcile");
  const pass = () =>
    // The periodic pass's age bound: younger rows may belong to requests this server (or
    // another instance) is still answering and dispatching, which a pass with no bound
    // would race.
    reconcilePass()
      .then((r) => {
        if (r.found || r.reopened)
          log().info(
            { component: "inbox", found: r.found, dispatched: r.dispatched, reopened: r.reopened },
            "start-up reconcile: undispatched webhook events sent to the workflow engine (reopened: lost by the engine)",
          );
      })
      .catch((err: unknown) => log().warn({ err, component: "inbox" }, "start-up reconcile failed"));
  // Once soon after start, and once more when the rows a killed predecessor left behind
  // are past the age bound (so they do not wait for the next cron minute).
  // One worker per instance is enough (each pass reads every tenant's inbox); the cron
  // goes on in whichever worker the engine calls.
  if ((env.PLATFORM_WORKER_INDEX ?? 0) === 0) for (const delayMs of [2_000, periodicMinAgeMs + 2_000]) setTimeout(() => void pass(), delayMs).unref();
}
