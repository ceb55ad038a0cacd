// npm run bench:move [-- --audit-rows 100000 --writers 2 --moves 2]
// Moves one tenant between two clusters of a throwaway stack (the second cluster is the
// stack's DATABASE_CLUSTERS entry, else a scratch database on the same server) while
// writers keep adding audited rows, and reports each move's steps: the full copy, the
// catch-up rounds and the read-only hold (target: under 2 s with 100k audit rows).
import { parseArgs } from "node:util";
import pg from "pg";
import { sealNow } from "@/lib/audit/seal-chain";
import { quoteIdent } from "@/lib/db/identifier";
import { closePool, getPool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { closeClusterPools, clusterPool } from "@/lib/tenancy/move/cluster-access";
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
let dropScratch: (() => Promise<void>) | undefined;
try {
  Object.assign(process.env, stack.env);
  let second = (process.env.DATABASE_CLUSTERS ?? "")
    .split(",")
    .find((e) => e.includes("="))
    ?.split("=")[0];
  if (!second) {
    const url = new URL(process.env.DATABASE_URL!);
    const db = `${url.pathname.slice(1)}_c2`;
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${quoteIdent(db)}`);
    await admin.end();
    const adminUrl = new URL(url);
    adminUrl.pathname = "/postgres"; // the scratch platform database is gone by then
    dropScratch = async () => {
      const a = new pg.Client({ connectionString: adminUrl.toString() });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)} WITH (FORCE)`);
      await a.end();
    };
    url.pathname = `/${db}`;
    second = "c2";
    process.env.DATABASE_CLUSTERS = `c2=${url.toString()}`;
    resetEnvCache();
  }
  const platform = getPool();
  // Until the clusters migration is merged, the placement column may be missing here.
  await platform.query("ALTER TABLE public.tenants ADD COLUMN IF NOT EXISTS cluster text NOT NULL DEFAULT 'default'");

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
  await closeClusterPools();
  await closePool();
  await stack.stop();
  await dropScratch?.();
}
// The invalidation bus's Redis connection would keep the process alive.
process.exit(0);
