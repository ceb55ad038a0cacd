// npm run bench:tenants [-- --count 2000 --concurrency 4 --spread 2000 --no-build --warmup 5 --duration 10 --connections 32 --visits 8 --rounds 3 --no-warm]
// Creates N tenants in a throwaway database (the real create path: row, schema at the
// latest migration, ledger, Redis mirror), placed in turn on the test stack's two clusters
// (the platform's and a second PostgreSQL; creation and no-op migrate times are also
// reported per cluster), then measures:
//   - a no-op migrate over all of them;
//   - many tenants in one process (a fresh child process, scripts/bench/lib/tenant-memory.ts):
//     RSS and heap growth per active tenant after one query on each, the latency of a
//     cold tenant's first query, and of a warm one;
//   - the spread load (scripts/bench/lib/spread-load.ts): W1 of bench:api on the
//     production build over one tenant and round-robin over --spread tenants (0: skip),
//     in --rounds alternating rounds; the median round's ratio is reported. Before the
//     rounds, after the first visits, PgBouncer's server connections are warmed
//     (scripts/bench/lib/warm-connections.ts: a service's steady state); --no-warm skips it.
//     Each window also reports the session last-seen writes it held (PostgreSQL's table
//     statistics, scripts/bench/lib/session-writes.ts): each is an UPDATE in one tenant's
//     schema, so they are what a spread window pays that a one-tenant window does not.
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { clusterNames } from "@/lib/db/clusters";
import { migrateAll } from "@/lib/db/migrations/runner";
import { closePool, getPool } from "@/lib/db/pool";
import { toolingEnv } from "@/lib/env";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { printParts, startStack } from "../lib/stack";
import { buildApp } from "./lib/app";
import { waitUntilQuiet } from "./lib/proc-cpu";
import { spreadLoad, type SpreadLoadResult } from "./lib/spread-load";
import type { TenantMemoryResult } from "./lib/tenant-memory";

const usage =
  "usage: npm run bench:tenants -- [--count N] [--concurrency C] [--spread S (0: skip)] [--no-build] [--warmup 5] [--duration 10] [--connections 32] [--visits 8] [--rounds 3] [--no-warm]";
let values: ReturnType<typeof parse>["values"];
function parse() {
  return parseArgs({
    options: {
      count: { type: "string" },
      concurrency: { type: "string" },
      spread: { type: "string" },
      "no-build": { type: "boolean" },
      warmup: { type: "string" },
      duration: { type: "string" },
      connections: { type: "string" },
      visits: { type: "string" },
      rounds: { type: "string" },
      "no-warm": { type: "boolean" },
    },
  });
}
try {
  values = parse().values;
} catch (err) {
  console.error(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}
const count = Number(values.count ?? 2000);
const concurrency = Number(values.concurrency ?? 4);
const spread = Number(values.spread ?? Math.min(2000, count));
const warmupS = Number(values.warmup ?? 5);
const durationS = Number(values.duration ?? 10);
const connections = Number(values.connections ?? 32);
const visits = Number(values.visits ?? 8);
const rounds = Number(values.rounds ?? 3);
if (
  !Number.isInteger(count) ||
  count < 2 ||
  !Number.isInteger(concurrency) ||
  concurrency < 1 ||
  !Number.isInteger(spread) ||
  spread < 0 ||
  spread > count ||
  !(warmupS >= 0) ||
  !(durationS > 0) ||
  !Number.isInteger(connections) ||
  connections < 1 ||
  !(visits >= 0) ||
  !Number.isInteger(rounds) ||
  rounds < 1
) {
  console.error(usage);
  process.exit(2);
}

/** Runs tenant-memory.ts in a fresh process that keeps every client (the cache holds them all). */
function measureMemory(slugs: string[]): Promise<TenantMemoryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "scripts/bench/lib/tenant-memory.ts", ...slugs], {
      env: { ...process.env, TENANT_CLIENT_CACHE_SIZE: String(Math.max(slugs.length, 1)) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (c: string) => (out += c));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !line.startsWith("{")) reject(new Error(`tenant-memory exited ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(line) as TenantMemoryResult);
    });
  });
}

const pctOf = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  return (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
};

const stack = await startStack("test");
printParts(stack.parts);
let code = 0;
try {
  // Built first, so the long part (creating the tenants) does not hold a stale build.
  if (spread > 0 && !values["no-build"]) await buildApp({ ...process.env, ...stack.env, NODE_ENV: "production" });
  const slugs = Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(5, "0")}`);
  const latencies: number[] = [];
  const clusters = clusterNames();
  const perCluster = new Map(clusters.map((name) => [name, [] as number[]]));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        const cluster = clusters[i % clusters.length]!;
        await createTenant({ slug: slugs[i]!, name: `Bench tenant ${i}`, cluster });
        latencies.push(performance.now() - t0);
        perCluster.get(cluster)!.push(performance.now() - t0);
        if ((i + 1) % 250 === 0) console.log(`  created ${i + 1}/${count}`);
      }
    }),
  );
  const createMs = performance.now() - started;
  const pct = pctOf(latencies);

  const noop = await migrateAll(getPool(), { concurrency: 8 });
  const noopAgain = await migrateAll(getPool(), { concurrency: 8 });
  if (noop.tenants.length || noop.failed) throw new Error("the no-op migrate applied something: the bench is invalid");

  // Measured on a quiet machine, like the spread load: right after mass creation
  // autovacuum is analysing thousands of new tables, on the same two cores.
  const quietMs = await waitUntilQuiet();
  console.log(`\nmany tenants in one process (machine quiet after ${(quietMs / 1000).toFixed(1)} s): one user.count() on each of ${count - 1} tenants …`);
  const mem = await measureMemory(slugs);
  const cold = pctOf(mem.coldMs);
  const warm = pctOf(mem.warmMs);
  const create = pctOf(mem.createMs);
  const newClient = pctOf(mem.newClientMs);
  const rawFirst = pctOf(mem.rawFirstMs);

  let load: SpreadLoadResult | undefined;
  if (spread > 0) {
    console.log(`\nspread load: W1 over 1 and over ${spread} tenants …`);
    load = await spreadLoad({
      slugs: slugs.slice(0, spread),
      rootDomain: toolingEnv().APP_ROOT_DOMAIN,
      env: { ...process.env, ...stack.env },
      warmupS,
      durationS,
      connections,
      visits,
      rounds,
      warmConnections: values["no-warm"] ? 0 : toolingEnv().TEST_PGBOUNCER_POOL_SIZE,
    });
  }

  const cpu = (ms: number | null) => (ms === null ? "n/a" : `${ms.toFixed(2)} ms/req`);
  const rssGrowth = mem.rssAfterMb - mem.rssBeforeMb;
  const heapGrowth = mem.heapAfterMb - mem.heapBeforeMb;
  console.log(`\n== bench:tenants — ${new Date().toISOString()} ==`);
  console.log(`tenants created:        ${count} (concurrency ${concurrency})`);
  console.log(`ms per tenant created:  ${(createMs / count).toFixed(1)} (wall time / count; target < 50)`);
  console.log(`create latency:         p50 ${pct(0.5).toFixed(1)} ms, p95 ${pct(0.95).toFixed(1)} ms, max ${pct(1).toFixed(1)} ms`);
  console.log(`no-op migrate, ${noop.tenantCount} tenants: ${noop.durationMs} ms (second run ${noopAgain.durationMs} ms; target < 5000)`);
  for (const name of clusters) {
    const own = pctOf(perCluster.get(name)!);
    const mean = perCluster.get(name)!.reduce((a, b) => a + b, 0) / Math.max(1, perCluster.get(name)!.length);
    const run = (r: typeof noop) => r.clusters.find((c) => c.name === name);
    console.log(
      `  cluster ${name.padEnd(10)} ${perCluster.get(name)!.length} tenants, create mean ${mean.toFixed(1)} ms, p95 ${own(0.95).toFixed(1)} ms; ` +
        `no-op migrate ${run(noop)?.durationMs ?? "-"} ms (second run ${run(noopAgain)?.durationMs ?? "-"} ms)`,
    );
  }
  console.log(
    `memory per active tenant: ${((rssGrowth * 1000) / mem.tenants).toFixed(1)} KB RSS, ${((heapGrowth * 1000) / mem.tenants).toFixed(1)} KB heap ` +
      `(${mem.tenants} tenants touched in one process: RSS +${rssGrowth.toFixed(1)} MB, heap +${heapGrowth.toFixed(1)} MB; target: 5,000 tenants <= +250 MB RSS)`,
  );
  console.log(
    `cold first query:       p50 ${cold(0.5).toFixed(2)} ms, p95 ${cold(0.95).toFixed(2)} ms, max ${cold(1).toFixed(2)} ms ` +
      `(same query on a warm tenant: p50 ${warm(0.5).toFixed(2)} ms, p95 ${warm(0.95).toFixed(2)} ms; target <= 2 ms)`,
  );
  console.log(
    `  of which the client:   p50 ${(create(0.5) * 1000).toFixed(0)} µs, p95 ${(create(0.95) * 1000).toFixed(0)} µs (tenantDb(slug) on a cache miss)`,
  );
  console.log(
    `  the app's part:        p50 ${newClient(0.5).toFixed(2)} ms, p95 ${newClient(0.95).toFixed(2)} ms (client dropped, on a connection that already knows the schema: the same first query)`,
  );
  console.log(
    `  PostgreSQL's part:     p50 ${rawFirst(0.5).toFixed(2)} ms, p95 ${rawFirst(0.95).toFixed(2)} ms (plain pg, count(*) on a connection new to the schema; any schema-per-tenant design pays it once per connection)`,
  );
  if (load)
    console.log(
      `spread-load ratio:      ${(load.spread.rps / load.single.rps).toFixed(2)} (median of ${load.ratios.length} rounds: ${load.ratios.map((r) => r.toFixed(2)).join(", ")}; that round: W1 round-robin over ${load.spread.tenants} tenants ${load.spread.rps.toFixed(0)} req/s, ` +
        `p50 ${load.spread.p50Ms.toFixed(1)} ms, app CPU ${cpu(load.spread.cpuMsPerReq)}, machine CPU ${cpu(load.spread.machineCpuMsPerReq)} / ` +
        `one tenant ${load.single.rps.toFixed(0)} req/s, p50 ${load.single.p50Ms.toFixed(1)} ms, app CPU ${cpu(load.single.cpuMsPerReq)}, ` +
        `machine CPU ${cpu(load.single.machineCpuMsPerReq)}; ${connections} connections; target >= 0.80)`,
    );
  if (load)
    console.log(
      `  before it, first visits: ${load.firstVisits.requests} requests (${visits} per tenant on average) at ${load.firstVisits.rps.toFixed(0)} req/s, ` +
        `app CPU ${cpu(load.firstVisits.cpuMsPerReq)} (each worker loading each tenant's tenant, settings, session and token once)`,
    );
  if (load)
    console.log(
      load.warmed
        ? `  then PostgreSQL's ${load.warmed.serverConnections} server connections warmed on every tenant in ${(load.warmed.ms / 1000).toFixed(1)} s (the rounds measure a steady state)`
        : "  PostgreSQL's server connections were not warmed: the rounds include their warm-up",
    );
  else console.log("spread-load ratio:      skipped (--spread 0)");
} catch (err) {
  console.error(err);
  code = 1;
} finally {
  await closePool();
  await stack.stop();
}
process.exit(code);
