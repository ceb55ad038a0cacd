// npm run bench:move [-- --audit-rows 100000 --writers 2 --moves 2]
// Moves one tenant between the two clusters of a throwaway test stack while
// writers keep adding audited rows, and reports each move's steps: the full copy, the
// catch-up rounds and the read-only hold (target: under 2 s with 100k audit rows).
import { parseArgs } from "node:util";
import { sealNow } from "@/lib/audit/seal-chain";
import { closePool, getPool } from "@/lib/db/pool";
import { resetEnvCache, serverEnv } from "@/lib/env";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { clusterPool } from "@/lib/tenancy/move/cluster-access";
import { moveTenant } from "@/lib/tenancy/move/move-tenant";
import { isTenantWriteHold } from "@/lib/tenancy/move/write-hold-error";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { printParts, startStack } from "../lib/stack";

const { values } = parseArgs({ options: { "audit-rows": { type: "string" }, writers: { type: "string" }, moves: { type: "string" } } });
const auditRows = Number(values["audit-rows"] ?? 100_000);
const writers = Number(values.writers ?? 2);
const moves = Number(values.moves ?? 2);
if (![auditRows, writers, moves].every((n) => Number.isInteger(n) && n >= 0) || moves < 1) {
  console.error("usage: npm run bench:move -- [--audit-rows N] [--writers W] [--moves M]");
  process.exit(2);
}

const stack = await startStack("test");
printParts(stack.parts);
try {
  Object.assign(process.env, stack.env);
  resetEnvCache();
  // The test stack always has a second tenant cluster (scripts/lib/stack.ts).
  const second = serverEnv().DATABASE_CLUSTERS[0]?.name;
  if (!second) throw new Error("the stack has no second cluster (DATABASE_CLUSTERS)");
  const platform = getPool();

  const slug = "bench-move";
  const schema = schemaNameFor(slug);
  await createTenant({ slug, name: "Bench move", ownerEmail: "owner@bench-move.test" });
  const t0 = performance.now();
  const ctx = JSON.stringify({ actorType: "system", actorLabel: "bench" });
  await platform.query(
    `INSERT INTO ${schema}.audit_log (actor_type, action, summary, metadata) SELECT 'system', 'bench.row', 'bench row ' || g, jsonb_build_object('g', g) FROM generate_series(1, $1::int) g`,
    [auditRows],
  );
  await sealNow(slug, { timeoutMs: 120_000 });
  console.log(`seeded ${auditRows} audit rows (sealed) in ${Math.round(performance.now() - t0)} ms`);

  // Writers: audited inserts on wherever the tenant is placed, retrying what the hold refuses.
  let stop = false;
  const stats = { written: 0, refused: 0 };
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const { rows } = await platform.query<{ cluster: string }>("SELECT cluster FROM public.tenants WHERE slug = $1", [slug]);
      const client = await clusterPool(rows[0]!.cluster).connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT set_config('audit.context', $1, true)", [ctx]);
        await client.query(`INSERT INTO ${schema}.users (id, email, updated_at) VALUES (gen_random_uuid(), $1, now())`, [`w${w}-${i}@bench.test`]);
        await client.query("COMMIT");
        stats.written++;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        if (!isTenantWriteHold(err)) throw err;
        stats.refused++;
        i--;
        await new Promise((r) => setTimeout(r, 20));
      } finally {
        client.release();
      }
    }
  };
  const running = Array.from({ length: writers }, (_, w) => writer(w));

  let where = "default";
  for (let m = 0; m < moves; m++) {
    const to = where === "default" ? second : "default";
    const figures: string[] = [];
    const started = performance.now();
    const outcome = await moveTenant({
      slug,
      to,
      settleMs: 2_000,
      onStep: (step, f) => void figures.push(`    ${step.padEnd(15)} ${JSON.stringify({ ...f, perTable: undefined })}`),
    });
    console.log(`\nmove ${m + 1}: ${where} -> ${to} in ${Math.round(performance.now() - started)} ms, ${outcome.rowsCopied} rows in ${outcome.rounds} rounds`);
    console.log(figures.join("\n"));
    console.log(`  read-only hold: ${outcome.holdMs} ms (target < 2000)`);
    where = to;
  }
  stop = true;
  await Promise.all(running);
  console.log(`\nwriters: ${stats.written} audited writes, ${stats.refused} refused by the hold and retried`);
} finally {
  await closePool();
  await stack.stop();
}
// The invalidation bus's Redis connection would keep the process alive.
process.exit(0);
