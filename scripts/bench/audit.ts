// npm run bench:audit [-- --rows 1000000 --appends 10000]
// In a throwaway database: the append rate with the hash chain on (one event per
// transaction through recordEvent, 1 and 8 concurrent writers) with the sealer loop
// running as in the server, and how long after the last append every row is sealed;
// then filtered-page latency on a tenant with --rows audit rows (default 1,000,000).
import { parseArgs } from "node:util";
import { auditQuerySchema } from "@/lib/audit/query-schema";
import { unsealedCount } from "@/lib/audit/seal-chain";
import { startAuditSealer, stopAuditSealer } from "@/lib/audit/sealer-loop";
import { searchAuditLog } from "@/lib/audit/search";
import { verifyChain } from "@/lib/audit/verify-chain";
import { recordEvent } from "@/lib/audit/with-audit";
import { closePool, getPool } from "@/lib/db/pool";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { printParts, startStack } from "../lib/stack";

const { values } = parseArgs({ options: { rows: { type: "string" }, appends: { type: "string" } } });
const totalRows = Number(values.rows ?? 1_000_000);
const appends = Number(values.appends ?? 10_000);
if (!Number.isInteger(totalRows) || totalRows < 1000 || !Number.isInteger(appends) || appends < 8) {
  console.error("usage: npm run bench:audit -- [--rows N>=1000] [--appends N>=8]");
  process.exit(2);
}

const stack = await startStack("test");
printParts(stack.parts);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

try {
  const slug = "bench-audit";
  await createTenant({ slug, name: "Audit bench" });
  const schema = schemaNameFor(slug);
  const pool = getPool();
  startAuditSealer(); // as instrumentation.ts does in the server

  /** Waits until no row is unsealed; the time it took, in ms. */
  async function untilSealed(): Promise<number> {
    const t0 = performance.now();
    while ((await unsealedCount(pool, slug)) > 0) await new Promise((r) => setTimeout(r, 5));
    return performance.now() - t0;
  }

  async function appendRate(writers: number): Promise<{ rate: number; sealedAfterMs: number }> {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        while (next < appends) {
          const i = next++;
          await recordEvent(
            slug,
            { actorType: "user", actorId: `user-${w}`, actorLabel: `writer ${w}` },
            {
              action: "bench.appended",
              targetType: "bench",
              targetId: String(i),
              summary: `bench append ${i} by writer ${w}`,
              metadata: { i, writer: w },
            },
          );
        }
      }),
    );
    const rate = appends / ((performance.now() - started) / 1000);
    return { rate, sealedAfterMs: await untilSealed() };
  }
  const one = await appendRate(1);
  const eight = await appendRate(8);
  console.log(`\nappend rate, hash chain on, one event per transaction via recordEvent (${appends} events each), sealer loop running:`);
  console.log(`  1 writer:   ${one.rate.toFixed(0).padStart(6)} rows/s   all sealed ${one.sealedAfterMs.toFixed(0)} ms after the last append`);
  console.log(`  8 writers:  ${eight.rate.toFixed(0).padStart(6)} rows/s   all sealed ${eight.sealedAfterMs.toFixed(0)} ms after the last append`);
  const early = await verifyChain(pool, slug);
  console.log(`  verify: ${early.ok ? "intact" : `BROKEN at ${early.firstBroken?.seq}`}, ${early.rowsChecked} rows, ${early.unsealed} unsealed`);

  // Seed to totalRows with a realistic spread of actors, actions and targets. The
  // rows are sequenced on insert and the sealer loop chains them meanwhile.
  const have = Number((await pool.query(`SELECT count(*) FROM "${schema}".audit_log`)).rows[0].count);
  const seedStart = performance.now();
  // Small statements: a long writing transaction holds back sealing (of every tenant).
  const chunk = 10_000;
  for (let done = have; done < totalRows; done += chunk) {
    const n = Math.min(chunk, totalRows - done);
    await pool.query(
      `INSERT INTO "${schema}".audit_log (actor_type, actor_id, actor_label, action, target_type, target_id, summary, changes)
       SELECT CASE WHEN g % 10 = 0 THEN 'api_key' WHEN g % 25 = 0 THEN 'system' ELSE 'user' END,
              'user-' || (g % 500), 'user' || (g % 500) || '@bench.test',
              (ARRAY['user.created','user.updated','user.deleted','auth.sign_in','auth.sign_in_failed','integration.updated','api_key.created','organization.updated'])[1 + g % 8],
              (ARRAY['user','user','user','user','user','integration','api_key','organization'])[1 + g % 8],
              'target-' || (g % 20000),
              'event ' || g || ' for target-' || (g % 20000) || CASE WHEN g % 1000 = 0 THEN ' quarterly-review' ELSE '' END,
              jsonb_build_object('name', jsonb_build_object('before', 'a' || g, 'after', 'b' || g))
         FROM generate_series($1::int, $2::int) g`,
      [done + 1, done + n],
    );
    process.stdout.write(`  seeded ${done + n}/${totalRows}\r`);
  }
  const seeded = totalRows - have;
  const seedMs = performance.now() - seedStart;
  const sealWaitMs = await untilSealed();
  // Every seal leaves a dead row version; autovacuum (tuned for audit_log in the sealer
  // migration) would clean up after a bulk load like this one: do it now, measurably.
  const vacuumStart = performance.now();
  await pool.query(`VACUUM ANALYZE "${schema}".audit_log`);
  const vacuumMs = performance.now() - vacuumStart;
  if (seeded > 0) {
    console.log(`\nseeding through the sequencing trigger: ${(seeded / (seedMs / 1000)).toFixed(0)} rows/s (bulk INSERT ... SELECT)`);
    console.log(
      `sealing the seed: all sealed ${(sealWaitMs / 1000).toFixed(1)} s after the last insert, ${(seeded / ((seedMs + sealWaitMs) / 1000)).toFixed(0)} rows/s overall`,
    );
    console.log(`VACUUM ANALYZE after the seed: ${(vacuumMs / 1000).toFixed(1)} s`);
  }

  const mid = String(Math.floor(totalRows / 2));
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  const cases: [string, Record<string, string>][] = [
    ["newest page, no filter", {}],
    ["action prefix user.", { action: "user." }],
    ["action auth.sign_in_failed", { action: "auth.sign_in_failed" }],
    ["actor user-42", { actorType: "user", actorId: "user-42" }],
    ["target user/target-1234", { targetType: "user", targetId: "target-1234" }],
    ["last hour", { from: hourAgo }],
    ["free text quarterly-review", { q: "quarterly-review" }],
    ["actor + action prefix", { actorId: "user-7", action: "user." }],
    ["deep page (cursor at the middle)", { cursor: mid }],
    ["deep page + action prefix", { cursor: mid, action: "integration." }],
  ];
  console.log(`\nfiltered page latency, ${totalRows} rows, limit 50, 30 runs each (ms):`);
  for (const [label, filter] of cases) {
    const query = auditQuerySchema.parse({ ...filter, limit: 50 });
    const times: number[] = [];
    let found = 0;
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      found = (await searchAuditLog(pool, slug, query)).items.length;
      times.push(performance.now() - t0);
    }
    console.log(`  ${label.padEnd(34)} p50 ${pct(times, 0.5).toFixed(1).padStart(6)}  p95 ${pct(times, 0.95).toFixed(1).padStart(6)}  (${found} rows)`);
  }

  const t0 = performance.now();
  const report = await verifyChain(pool, slug);
  console.log(
    `\nverify chain: ${report.ok ? "intact" : `BROKEN at ${report.firstBroken?.seq}: ${report.firstBroken?.problem}`}, ${report.rowsChecked} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${report.unsealed} unsealed`,
  );
} finally {
  await stopAuditSealer();
  await closePool();
  await stack.stop();
}
