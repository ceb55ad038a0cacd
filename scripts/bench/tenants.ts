// npm run bench:tenants [-- --count 1000 --concurrency 4]
// Creates N tenants in a throwaway database (the real create path: row, schema at the
// latest migration, ledger, Redis mirror), then runs a no-op migrate over all of them.
import { parseArgs } from "node:util";
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
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await createTenant({ slug: `bench-${String(i).padStart(5, "0")}`, name: `Bench tenant ${i}` });
        latencies.push(performance.now() - t0);
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
  if (noop.tenants.length || noop.failed) throw new Error("the no-op migrate applied something: the bench is invalid");
} finally {
  await closePool();
  await stack.stop();
}
