// npm run bench:tenants [-- --count 1000 --concurrency 4]
// Creates N tenants in a throwaway database (the real create path: row, schema at the
// latest migration, ledger, Redis mirror), then runs a no-op migrate over all of them.
// The test stack has two clusters (the platform's and a second PostgreSQL): tenants are
// placed on them in turn, and creation and migrate times are reported per cluster.
import { parseArgs } from "node:util";
import { clusterNames } from "@/lib/db/clusters";
import { migrateAll } from "@/lib/db/migrations/runner";
import { closePool, getPool } from "@/lib/db/pool";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { printParts, startStack } from "../lib/stack";

const { values } = parseArgs({ options: { count: { type: "string" }, concurrency: { type: "string" } } });
const count = Number(values.count ?? 1000);
const concurrency = Number(values.concurrency ?? 4);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error("usage: npm run bench:tenants -- [--count N] [--concurrency C]");
  process.exit(2);
}

const stack = await startStack("test");
printParts(stack.parts);
try {
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
        await createTenant({ slug: `bench-${String(i).padStart(5, "0")}`, name: `Bench tenant ${i}`, cluster });
        latencies.push(performance.now() - t0);
        perCluster.get(cluster)!.push(performance.now() - t0);
        if ((i + 1) % 250 === 0) console.log(`  created ${i + 1}/${count}`);
      }
    }),
  );
  const createMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(1);

  const noop = await migrateAll(getPool(), { concurrency: 8 });
  const noopAgain = await migrateAll(getPool(), { concurrency: 8 });

  console.log(`\ntenants created:        ${count} (concurrency ${concurrency})`);
  console.log(`ms per tenant created:  ${(createMs / count).toFixed(1)} (wall time / count; target < 50)`);
  console.log(`create latency:         p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms`);
  console.log(`no-op migrate, ${noop.tenantCount} tenants: ${noop.durationMs} ms (second run ${noopAgain.durationMs} ms; target < 5000)`);
  for (const name of clusters) {
    const own = perCluster.get(name)!.sort((a, b) => a - b);
    const mean = own.reduce((a, b) => a + b, 0) / Math.max(1, own.length);
    const p95 = own[Math.min(own.length - 1, Math.floor(0.95 * own.length))] ?? 0;
    const run = (r: typeof noop) => r.clusters.find((c) => c.name === name);
    console.log(
      `cluster ${name.padEnd(10)} ${own.length} tenants, create mean ${mean.toFixed(1)} ms p95 ${p95.toFixed(1)} ms; ` +
        `no-op migrate ${run(noop)?.durationMs ?? "-"} ms (second run ${run(noopAgain)?.durationMs ?? "-"} ms)`,
    );
  }
  if (noop.tenants.length || noop.failed) throw new Error("the no-op migrate applied something: the bench is invalid");
} finally {
  await closePool();
  await stack.stop();
}
