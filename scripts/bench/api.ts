// npm run bench:api [-- --warmup 5 --duration 15 --connections 32 --no-build --only health,w1,w2,mix --floor]
// Throughput of the API on a production build started the way production starts it
// (`next build`, then `npm start` with PORT), in a throwaway database, with the local
// Inngest runner (signed) as the workflow engine. One closed-loop load generator in a
// child process, keep-alive connections, a warm-up, then a measured window, for:
//   health  GET /api/health on a tenant's host (middleware only)
//   w1      GET /api/v1/users?limit=50 with a Bearer access token, tenant of 1,001 members
//   w2      POST /api/webhooks/{id}: Standard Webhooks, 1 KiB JSON, a new id each, pre-signed
//   mix     20 tenants; half the connections do w1, half w2, round-robin over the tenants
// Prints req/s, p50/p99, status counts and the CPU ms per request of the app's whole
// process tree (and, for reference, of the database backends and of this process,
// which hosts the Inngest runner and the Upstash REST bridge). Exits 1 on any status
// other than 200 (health, w1) / 202 (w2), or if an accepted webhook is not processed
// within 60 s of the end of the load.
// --floor first measures the framework's own ceiling in the same run (lib/framework-floor.ts):
// a bare Next app with the same launcher, its route alone and behind a no-op Edge middleware.
// BENCH_PROFILE_DIR=<dir> writes V8 CPU profiles of the app's node processes there.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { closePool, getPool } from "@/lib/db/pool";
import { toolingEnv } from "@/lib/env";
import { printParts, startStack } from "../lib/stack";
import { freePort } from "../lib/free-port";
import { buildApp, startApp, type RunningApp } from "./lib/app";
import { buildFloorApp } from "./lib/framework-floor";
import { prepareEngine } from "./lib/engine";
import { runLoad, type LoadResult } from "./lib/load";
import type { GroupResult, LoadGroup } from "./lib/load-types";
import { waitForProcessing } from "./lib/processing";
import { cpuMsOf } from "./lib/proc-cpu";
import { accessToken, createBenchTenant, type BenchTenant } from "./lib/tenants";

const workloads = ["health", "w1", "w2", "mix"] as const;
type Workload = (typeof workloads)[number];

const usage = "usage: npm run bench:api -- [--warmup 5] [--duration 15] [--connections 32 (>= 2)] [--no-build] [--only health,w1,w2,mix] [--floor]";
let values: ReturnType<typeof parse>["values"];
function parse() {
  return parseArgs({
    options: {
      warmup: { type: "string" },
      duration: { type: "string" },
      connections: { type: "string" },
      "no-build": { type: "boolean" },
      only: { type: "string" },
      floor: { type: "boolean" },
    },
  });
}
try {
  values = parse().values;
} catch (err) {
  console.error(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}
const warmupS = Number(values.warmup ?? 5);
const durationS = Number(values.duration ?? 15);
const connections = Number(values.connections ?? 32);
const only = (values.only ?? workloads.join(","))
  .split(",")
  .map((s) => s.trim().toLowerCase())
  .filter(Boolean);
if (
  !(warmupS >= 0) ||
  !(durationS > 0) ||
  !Number.isInteger(connections) ||
  connections < 2 ||
  only.length === 0 ||
  only.some((w) => !(workloads as readonly string[]).includes(w))
) {
  console.error(usage);
  process.exit(2);
}
const selected = new Set(only as Workload[]);

const mixTenants = 20;
const extraMembers = 1_000;
const webhookBytes = 1024;
const processingDeadlineMs = 60_000;
// Deliveries signed before the clock starts: enough for 1,500 accepted per second.
const presign = Math.min(200_000, Math.ceil(1_500 * (warmupS + durationS)));

interface Row {
  name: string;
  expected: string;
  group: GroupResult;
  windowMs: number;
  appCpuMs: number | null;
  dbCpuMs: number | null;
  benchCpuMs: number | null;
}
interface Drain {
  name: string;
  accepted: number;
  stored: number;
  processed: number;
  dead: number;
  drainMs: number | null;
  timedOut: boolean;
}

const rows: Row[] = [];
const generator: { name: string; cpuMs: number; requests: number }[] = [];
const drains: Drain[] = [];
const failures: string[] = [];

/** CPU ms per backend pid of this bench's database (null if the server is not on this machine). */
async function dbBackendCpu(): Promise<Map<number, number> | null> {
  const { rows: r } = await getPool().query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database()");
  const out = new Map<number, number>();
  for (const { pid } of r) {
    const ms = cpuMsOf([pid]);
    if (ms !== null) out.set(pid, ms);
  }
  return out.size ? out : null;
}

async function measure(name: string, groups: LoadGroup[], app: RunningApp, expected: Record<string, string>): Promise<LoadResult> {
  let bench0 = process.cpuUsage();
  let benchCpuMs = 0;
  let db0: Promise<Map<number, number> | null> = Promise.resolve(null);
  let db1: Promise<Map<number, number> | null> = Promise.resolve(null);
  console.log(`\n${name}: ${warmupS} s warm-up, ${durationS} s measured, ${groups.map((g) => `${g.connections}× ${g.name}`).join(" + ")} …`);
  const result = await runLoad(
    { port: app.port, warmupMs: warmupS * 1000, durationMs: durationS * 1000, appPid: app.pid, groups },
    {
      onWindowStart: () => {
        bench0 = process.cpuUsage();
        db0 = dbBackendCpu().catch(() => null);
      },
      onWindowEnd: () => {
        const u = process.cpuUsage(bench0);
        benchCpuMs = (u.user + u.system) / 1000;
        db1 = dbBackendCpu().catch(() => null);
      },
    },
  );
  const [d0, d1] = await Promise.all([db0, db1]);
  let dbCpuMs: number | null = null;
  if (d0 && d1) {
    dbCpuMs = 0;
    for (const [pid, ms] of d1) dbCpuMs += ms - (d0.get(pid) ?? 0);
  }
  const totalRequests = result.groups.reduce((s, g) => s + g.requests, 0);
  generator.push({ name, cpuMs: result.generatorCpuMs, requests: totalRequests });
  const split = result.groups.length > 1;
  for (const g of result.groups) {
    const exp = expected[g.name]!;
    const rowName = split ? `${name}: ${g.name}` : name;
    // The CPU of a mix is not split between its parts: it shows on the mix's own row.
    const cpu = split ? { appCpuMs: null, dbCpuMs: null, benchCpuMs: null } : { appCpuMs: result.appCpuMs, dbCpuMs, benchCpuMs };
    rows.push({ name: rowName, expected: exp, group: g, windowMs: result.windowMs, ...cpu });
    const bad = Object.entries(g.allStatuses).filter(([s]) => s !== exp);
    if (bad.length) failures.push(`${rowName}: unexpected responses ${bad.map(([s, n]) => `${s}×${n}`).join(", ")} (expected only ${exp})`);
    if (g.signedLate) console.log(`  note: ${g.signedLate} ${g.name} deliveries were signed during the run (pre-signed ${presign})`);
  }
  if (result.groups.length > 1) {
    // The whole mix as one row too.
    const all: GroupResult = {
      name,
      requests: totalRequests,
      statuses: merge(result.groups.map((g) => g.statuses)),
      allStatuses: merge(result.groups.map((g) => g.allStatuses)),
      p50Ms: NaN,
      p99Ms: NaN,
      maxMs: NaN,
      acceptedByKey: {},
      signedLate: 0,
    };
    rows.push({ name, expected: "", group: all, windowMs: result.windowMs, appCpuMs: result.appCpuMs, dbCpuMs, benchCpuMs });
  }
  printRows(rows.filter((r) => r.name === name || r.name.startsWith(`${name}: `)));
  return result;
}

function merge(maps: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, n] of Object.entries(m)) out[k] = (out[k] ?? 0) + n;
  return out;
}

async function drain(name: string, result: LoadResult, tenants: BenchTenant[]): Promise<void> {
  const accepted = result.groups.reduce((s, g) => s + Object.values(g.acceptedByKey).reduce((a, b) => a + b, 0), 0);
  const waitMs = Math.max(0, result.loadEndedAt + processingDeadlineMs - Date.now());
  const c = await waitForProcessing(
    tenants.map((t) => t.slug),
    accepted,
    waitMs,
  );
  const drainMs = c.processed >= accepted && c.lastProcessedAt !== null ? Math.max(0, c.lastProcessedAt - result.loadEndedAt) : null;
  drains.push({ name, accepted, stored: c.stored, processed: c.processed, dead: c.dead, drainMs, timedOut: c.timedOut });
  console.log(
    `  ${name}: ${accepted} accepted, ${c.stored} stored, ${c.processed} processed, ${c.dead} dead; ` +
      (drainMs !== null
        ? `last processed ${(drainMs / 1000).toFixed(1)} s after the load ended`
        : `NOT all processed ${(processingDeadlineMs / 1000).toFixed(0)} s after the load ended`),
  );
  if (c.stored !== accepted) failures.push(`${name}: ${accepted} webhooks accepted (202) but ${c.stored} stored`);
  if (c.processed < accepted) failures.push(`${name}: ${accepted - c.processed} accepted webhooks not processed within 60 s after the load (${c.dead} dead)`);
}

const fmt = (n: number | null, digits: number) => (n === null || Number.isNaN(n) ? "–" : n.toFixed(digits));

function printRows(list: Row[], header = true): void {
  const cols = ["workload", "req/s", "p50 ms", "p99 ms", "statuses (window)", "app CPU ms/req", "db ms/req", "bench ms/req"];
  const widths = [16, 8, 8, 8, 26, 15, 10, 12];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  if (header) console.log(line(cols));
  for (const r of list) {
    const n = r.group.requests;
    const perReq = (ms: number | null) => (ms === null || n === 0 ? null : ms / n);
    console.log(
      line([
        r.name,
        fmt((n / r.windowMs) * 1000, 0),
        fmt(r.group.p50Ms, 1),
        fmt(r.group.p99Ms, 1),
        Object.entries(r.group.statuses)
          .map(([s, k]) => `${s}×${k}`)
          .join(", ") || "none",
        fmt(perReq(r.appCpuMs), 2),
        fmt(perReq(r.dbCpuMs), 2),
        fmt(perReq(r.benchCpuMs), 2),
      ]),
    );
  }
}

/** The framework's ceiling (lib/framework-floor.ts): two rows, before any of ours. */
async function measureFloor(): Promise<void> {
  const floorEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    // Profiled like the app when asked (lib/app.ts, cpu-profile-preload.cjs).
    ...(process.env.BENCH_PROFILE_DIR ? { BENCH_PROFILE_DIR: process.env.BENCH_PROFILE_DIR } : {}),
  };
  const floor = await buildFloorApp(process.cwd(), floorEnv);
  let floorApp: RunningApp | undefined;
  try {
    floorApp = await startApp(floorEnv, await freePort(), floor.dir);
    const target = (name: string, p: string): LoadGroup => ({ name, kind: "get", connections, targets: [{ host: "127.0.0.1", path: p }] });
    await measure("floor: bare", [target("floor: bare", "/floor/bare")], floorApp, { "floor: bare": "200" });
    await measure("floor: Edge mw", [target("floor: Edge mw", "/api/health")], floorApp, { "floor: Edge mw": "200" });
  } finally {
    await floorApp?.stop();
    floor.remove();
  }
}

const stack = await startStack("test");
printParts(stack.parts);
const engine = await prepareEngine();
const appPort = await freePort();
const appEnv: NodeJS.ProcessEnv = { ...process.env, ...stack.env, ...engine.env, NODE_ENV: "production" };
let app: RunningApp | undefined;
let code = 0;
const startedAt = Date.now();

try {
  if (values.floor) await measureFloor();
  if (!values["no-build"]) await buildApp(appEnv);
  app = await startApp(appEnv, appPort);
  const runner = await engine.start(appPort);
  console.log(`\napp: npm start (pid ${app.pid}) at ${app.url}; Inngest runner (signed) at 127.0.0.1:${engine.port}`);

  const rootDomain = toolingEnv().APP_ROOT_DOMAIN;
  const tag = randomBytes(2).toString("hex");
  const t0 = performance.now();
  const single =
    selected.has("health") || selected.has("w1") || selected.has("w2")
      ? await createBenchTenant(`bench-api-${tag}`, { members: extraMembers, rootDomain })
      : undefined;
  const mix: BenchTenant[] = [];
  if (selected.has("mix")) {
    for (let i = 0; i < mixTenants; i += 4) {
      const batch = Array.from({ length: Math.min(4, mixTenants - i) }, (_, j) => `bench-mix-${tag}-${String(i + j + 1).padStart(2, "0")}`);
      mix.push(...(await Promise.all(batch.map((slug) => createBenchTenant(slug, { members: extraMembers, rootDomain })))));
    }
  }
  console.log(`tenants: ${(single ? 1 : 0) + mix.length} with 1 owner + ${extraMembers} members each, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Let the engine sync the app's functions before any clock starts.
  await runner.sync();
  const webhookGroup = (name: string, conns: number, tenants: BenchTenant[]): LoadGroup => ({
    name,
    kind: "webhook",
    connections: conns,
    bodyBytes: webhookBytes,
    presign,
    targets: tenants.map((t) => ({ host: t.host, path: `/api/webhooks/${t.integrationId}`, secret: t.secret, key: t.slug })),
  });
  const usersGroup = async (name: string, conns: number, tenants: BenchTenant[]): Promise<LoadGroup> => {
    // One at a time: each is an argon2 verification in the app.
    const targets = [];
    for (const t of tenants)
      targets.push({ host: t.host, path: "/api/v1/users?limit=50", headers: { authorization: `Bearer ${await accessToken(app!.url, t)}` } });
    return { name, kind: "get", connections: conns, targets };
  };

  const phase = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      console.error(err);
      failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  if (selected.has("health"))
    await phase("health", async () => {
      await measure("health", [{ name: "health", kind: "get", connections, targets: [{ host: single!.host, path: "/api/health" }] }], app!, { health: "200" });
    });
  if (selected.has("w1"))
    await phase("W1", async () => {
      await measure("W1 users", [await usersGroup("W1 users", connections, [single!])], app!, { "W1 users": "200" });
    });
  if (selected.has("w2"))
    await phase("W2", async () => {
      const r = await measure("W2 webhooks", [webhookGroup("W2 webhooks", connections, [single!])], app!, { "W2 webhooks": "202" });
      await drain("W2 webhooks", r, [single!]);
    });
  if (selected.has("mix"))
    await phase("mix", async () => {
      const half = Math.floor(connections / 2);
      const r = await measure("mix", [await usersGroup("W1", half, mix), webhookGroup("W2", connections - half, mix)], app!, { W1: "200", W2: "202" });
      await drain("mix", r, mix);
    });

  const commit = await import("node:child_process")
    .then((cp) => cp.execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim())
    .catch(() => "?");
  console.log(
    `\n== bench:api — ${new Date(startedAt).toISOString()}, commit ${commit}, production build via npm start, ${connections} keep-alive connections, ${warmupS} s warm-up + ${durationS} s measured ==`,
  );
  printRows(rows);
  for (const d of drains)
    console.log(
      `${d.name}: ${d.accepted} webhooks accepted (warm-up included), ${d.processed} processed, ${d.dead} dead; ` +
        (d.drainMs !== null ? `end of load → last event processed: ${(d.drainMs / 1000).toFixed(1)} s` : `not all processed within 60 s`),
    );
  console.log(
    `generator CPU ms/req: ${generator.map((g) => `${g.name} ${g.requests ? (g.cpuMs / g.requests).toFixed(3) : "–"}`).join(", ")}\n` +
      "app CPU = utime+stime of npm start's whole process tree over the window / requests in the window; db = PostgreSQL backends of this database;\n" +
      "bench = this process (the Inngest runner and the Upstash REST bridge the middleware's rate limiter calls); a mix's CPU is on its own row" +
      (values.floor
        ? '\nfloor: a bare Next app, same Next and launcher, {"status":"ok"} without middleware (bare) and behind a no-op Edge middleware (Edge mw): no request of ours can be faster than Edge mw'
        : ""),
  );
} catch (err) {
  console.error(err);
  failures.push(err instanceof Error ? err.message : String(err));
} finally {
  await app?.stop();
  if (process.env.BENCH_PROFILE_DIR) console.log(`CPU profiles in ${process.env.BENCH_PROFILE_DIR}`);
  await engine.close();
  await closePool().catch(() => undefined);
  await stack.stop();
}
if (failures.length) {
  code = 1;
  console.error(`\nFAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
}
process.exit(code);
