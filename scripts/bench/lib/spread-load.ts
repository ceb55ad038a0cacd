// The spread-load figure of bench:tenants: the W1 request of bench:api (GET
// /api/v1/users?limit=50 with a Bearer access token) against the production build (made
// by the caller),
// with every connection on one tenant and round-robin over many tenants, same connections
// and windows, in alternating rounds (one tenant, many, one, many, ...): this machine's
// speed drifts from minute to minute, and background passes (the reconciler's, the sync
// scheduler's) land in whichever window they fall in, so each round's two runs are
// compared with each other and the median round is reported. Each tenant gets an owner and 49 members (the list is full)
// and an access token issued by the real path (session + token pair, in an audited
// transaction; no password check, so no argon2 per tenant).
import { randomUUID } from "node:crypto";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { issueTokenPair } from "@/lib/auth/refresh-tokens";
import { touchEveryMs } from "@/lib/auth/housekeeping-touch";
import { createSession } from "@/lib/auth/sessions";
import { quoteIdent } from "@/lib/db/identifier";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { updateTenantSettings } from "@/lib/tenancy/tenant-settings";
import { startApp } from "./app";
import { prepareEngine } from "./engine";
import { runLoad } from "./load";
import { warmServerConnections, type WarmResult } from "./warm-connections";
import { clusterUrls, sessionRowsUpdated } from "./session-writes";
import { allProcessTicks, clkTck, cpuByRole, machineTicks, processTree, waitUntilQuiet, type ProcessTicks } from "./proc-cpu";

type Ticks = NonNullable<ReturnType<typeof machineTicks>>;
import type { GetTarget, GroupResult } from "./load-types";
import { freePort } from "../../lib/free-port";

const actor = systemContext("bench");

/** An owner and 49 members in the tenant; returns the owner's access token. */
async function seedW1Tenant(slug: string): Promise<string> {
  const users = `${quoteIdent(schemaNameFor(slug))}.users`;
  const ownerId = randomUUID();
  const pair = await withAudit(
    slug,
    actor,
    async (tx) => {
      await tx.$executeRawUnsafe(
        `INSERT INTO ${users} (id, email, name, role, status, created_at, updated_at) VALUES ($1::uuid, 'owner@bench.test', 'Bench owner', 'owner', 'active', now(), now())`,
        ownerId,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO ${users} (id, email, name, role, status, created_at, updated_at)
       SELECT gen_random_uuid(), 'member' || g || '@bench.test', 'Bench member ' || g, 'member', 'active', now(), now() FROM generate_series(1, 49) AS g`,
      );
      // Last seen at a random time within the last touch interval, as in a service that has
      // run a while: the sessions' last-seen writes then come due evenly over time, not all
      // in one wave an interval after this seed (which one round would get, and another not).
      const now = new Date(Date.now() - Math.random() * touchEveryMs);
      const session = await createSession(tx, { userId: ownerId, kind: "api", now, meta: { requestId: randomUUID(), userAgent: "bench:tenants" } });
      return issueTokenPair(tx, slug, { id: ownerId, role: "owner" }, session.id);
      // Set-up, not measured: right after thousands of schemas were created PostgreSQL is
      // busy analysing them, and a seed transaction has been seen to take over 10 s.
    },
    { timeoutMs: 60_000 },
  );
  return pair.access_token;
}

/**
 * Set-up, not measured: once (right after mass creation, PostgreSQL busy analysing the new
 * tables) a seed transaction could not start within Prisma's 5 s wait. One that did not
 * start wrote nothing, so it is simply run again.
 */
const retryUnstarted =
  <T>(again: () => Promise<T>) =>
  (err: unknown): Promise<T> => {
    if ((err as { code?: string }).code === "P2028" && /Unable to start a transaction/.test((err as Error).message)) return again();
    throw err;
  };

export type MeasuredRun = GroupResult & {
  rps: number;
  cpuMsPerReq: number | null;
  machineCpuMsPerReq: number | null;
  /** The machine's CPU per request by role (app, each PostgreSQL, PgBouncer, Redis, ...), largest first. */
  cpuByRole: [string, number][];
  /** Session last-seen writes (rows updated) in the window; null when the statistics could not be read. */
  sessionWrites: number | null;
};

/**
 * Names the processes of a CPU breakdown: the app's tree; this process (it hosts the
 * Upstash REST bridge and the Inngest engine); the load generator (another node); each
 * PostgreSQL by its cluster (the second, embedded one is started by this process).
 */
function roleOf(snapshot: ProcessTicks, appTree: Set<number>) {
  const postmasterOf = (pid: number): number => {
    let p = pid;
    for (let i = 0; i < 4; i++) {
      const parent = snapshot.get(snapshot.get(p)?.ppid ?? -1);
      if (parent?.comm !== "postgres") return p;
      p = snapshot.get(p)!.ppid;
    }
    return p;
  };
  return (pid: number, comm: string): string | undefined => {
    if (appTree.has(pid)) return "app";
    if (pid === process.pid) return "bench (REST bridge, engine)";
    if (comm === "node" || comm.startsWith("node ")) return "load generator";
    if (comm === "postgres") return snapshot.get(postmasterOf(pid))?.ppid === process.pid ? "postgres (second)" : "postgres (default)";
    return undefined;
  };
}

export interface SpreadLoadResult {
  /** The median round's (by the ratio) runs. */
  single: MeasuredRun;
  spread: MeasuredRun & { tenants: number };
  /** Every round: spread req/s over one-tenant req/s, in order. */
  ratios: number[];
  /** The spread load before the steady run, while tenants were first seen by each worker. */
  firstVisits: { requests: number; rps: number; cpuMsPerReq: number | null };
  /** PostgreSQL's server connections warmed after the first visits (./warm-connections.ts); null: not done. */
  warmed: WarmResult | null;
}

export async function spreadLoad(opts: {
  slugs: string[];
  rootDomain: string;
  env: NodeJS.ProcessEnv;
  warmupS: number;
  durationS: number;
  connections: number;
  /** Requests per tenant (on average) sent before the steady spread run. */
  visits: number;
  /** Rounds of (one tenant, many tenants). */
  rounds: number;
  /** PgBouncer's server connections per cluster to warm after the first visits (0: none). */
  warmConnections: number;
}): Promise<SpreadLoadResult> {
  const t0 = performance.now();
  const dbUrls = clusterUrls(opts.env);
  const tokens = new Map<string, string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < opts.slugs.length) {
        const slug = opts.slugs[next++]!;
        tokens.set(slug, await seedW1Tenant(slug).catch(retryUnstarted(() => seedW1Tenant(slug))));
      }
    }),
  );
  // The one-tenant run sends every request to the first tenant: lift its API limits.
  const first = opts.slugs[0]!;
  await updateTenantSettings(
    first,
    { rateLimits: { apiPerMinute: 1_000_000, principalPerMinute: 1_000_000, signInPerIpPer15Minutes: 1_000, signInPerEmailPer15Minutes: 1_000 } },
    actor,
  );
  console.log(`  W1 data and tokens for ${opts.slugs.length} tenants in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const engine = await prepareEngine();
  const appEnv: NodeJS.ProcessEnv = { ...opts.env, ...engine.env, NODE_ENV: "production" };
  const app = await startApp(appEnv, await freePort());
  try {
    await engine.start(app.port);
    // Both runs start from a quiet machine: the app's start-up work (the audit sealer's
    // first pass over every tenant the seed wrote to, the inbox reconcile pass) would
    // otherwise land in the first run only.
    const settledMs = await waitUntilQuiet();
    console.log(`  machine quiet ${(settledMs / 1000).toFixed(1)} s after the app started`);
    const target = (slug: string): GetTarget => ({
      host: `${slug}.${opts.rootDomain}`,
      path: "/api/v1/users?limit=50",
      headers: { authorization: `Bearer ${tokens.get(slug)!}` },
    });
    const run = async (name: string, targets: GetTarget[]): Promise<MeasuredRun> => {
      console.log(
        `  ${name}: ${opts.warmupS} s warm-up, ${opts.durationS} s measured, ${opts.connections} connections, ${targets.length} tenant(s) round-robin …`,
      );
      // The whole machine's CPU too: the app, PostgreSQL, PgBouncer, Redis and this generator.
      let m0: ReturnType<typeof machineTicks> = null;
      let m1: ReturnType<typeof machineTicks> = null;
      let p0: ProcessTicks = new Map();
      let p1: ProcessTicks = new Map();
      let w0: Promise<number | null> = Promise.resolve(null);
      let w1: Promise<number | null> = Promise.resolve(null);
      const writes = () => sessionRowsUpdated(dbUrls).catch(() => null);
      const r = await runLoad(
        {
          port: app.port,
          warmupMs: opts.warmupS * 1000,
          durationMs: opts.durationS * 1000,
          appPid: app.pid,
          groups: [{ name, kind: "get", connections: opts.connections, targets }],
        },
        {
          onWindowStart: () => {
            m0 = machineTicks();
            p0 = allProcessTicks();
            w0 = writes();
          },
          onWindowEnd: () => {
            m1 = machineTicks();
            p1 = allProcessTicks();
            w1 = writes();
          },
        },
      );
      const g = r.groups[0]!;
      const bad = Object.entries(g.allStatuses).filter(([s]) => s !== "200");
      if (bad.length) throw new Error(`${name}: unexpected responses ${bad.map(([s, n]) => `${s}×${n}`).join(", ")}`);
      const machineMs = m0 && m1 ? (((m1 as Ticks).busy - (m0 as Ticks).busy) * 1000) / clkTck() : null;
      const byRole = [...cpuByRole(p0, p1, roleOf(p1, new Set(processTree(app.pid, p1))))]
        .map(([role, ms]): [string, number] => [role, ms / Math.max(1, g.requests)])
        .filter(([, ms]) => ms >= 0.01)
        .sort((x, y) => y[1] - x[1]);
      const [before, after] = await Promise.all([w0, w1]);
      const sessionWrites = before === null || after === null ? null : after - before;
      console.log(`    ${g.requests} requests; CPU ms per request: ${byRole.map(([role, ms]) => `${role} ${ms.toFixed(2)}`).join(", ")}`);
      console.log(
        `    session last-seen writes: ${sessionWrites === null ? "n/a" : `${sessionWrites} (${((sessionWrites / Math.max(1, g.requests)) * 100).toFixed(1)} per 100 requests)`}`,
      );
      return {
        sessionWrites,
        cpuByRole: byRole,
        ...g,
        rps: (g.requests / r.windowMs) * 1000,
        cpuMsPerReq: r.appCpuMs === null ? null : r.appCpuMs / Math.max(1, g.requests),
        machineCpuMsPerReq: machineMs === null ? null : machineMs / Math.max(1, g.requests),
      };
    };
    // The first requests for each tenant in each worker load what later ones find in
    // memory (tenant, settings, session, token, Prisma client; and PostgreSQL its catalogue
    // of that schema on each backend). Measured on their own: the same load until every
    // tenant was asked `visits` times on average (at most 4 minutes), then the steady run.
    // Each request reaches one worker, so a tenant asked v times is still new to a given
    // worker with probability 2^-v (two workers): 12% at 3, which the first rounds then
    // paid (app CPU per spread request falling round by round); 0.4% at 8, the default.
    const targets = opts.slugs.map(target);
    const cold = { requests: 0, ms: 0, cpuMs: 0 as number | null };
    while (cold.requests < opts.visits * targets.length && cold.ms < 240_000) {
      const r = await runLoad({
        port: app.port,
        warmupMs: 0,
        durationMs: 10_000,
        appPid: app.pid,
        groups: [{ name: "visits", kind: "get", connections: opts.connections, targets }],
      });
      const g = r.groups[0]!;
      const bad = Object.entries(g.allStatuses).filter(([st]) => st !== "200");
      if (bad.length) throw new Error(`first visits: unexpected responses ${bad.map(([st, n]) => `${st}×${n}`).join(", ")}`);
      cold.requests += g.requests;
      cold.ms += r.windowMs;
      cold.cpuMs = cold.cpuMs === null || r.appCpuMs === null ? null : cold.cpuMs + r.appCpuMs;
    }
    console.log(
      `  first visits: ${cold.requests} requests over ${targets.length} tenants in ${(cold.ms / 1000).toFixed(0)} s, ` +
        `${((cold.requests / cold.ms) * 1000).toFixed(0)} req/s, app CPU ${cold.cpuMs === null ? "n/a" : (cold.cpuMs / cold.requests).toFixed(2)} ms/req`,
    );
    const warmed = opts.warmConnections > 0 ? await warmServerConnections(opts.env, opts.slugs, opts.warmConnections) : null;
    if (warmed)
      console.log(
        `  PostgreSQL's server connections warmed: ${warmed.serverConnections} (${warmed.clusters} clusters) × their clusters' ${warmed.tenants} tenants in ${(warmed.ms / 1000).toFixed(1)} s`,
      );
    else console.log("  PostgreSQL's server connections not warmed (--no-warm, or no PgBouncer)");
    await waitUntilQuiet();
    const rounds: { single: MeasuredRun; spread: MeasuredRun; ratio: number }[] = [];
    for (let r = 1; r <= opts.rounds; r++) {
      const single = await run(`round ${r}/${opts.rounds}, W1, one tenant`, [target(first)]);
      const spread = await run(`round ${r}/${opts.rounds}, W1, ${opts.slugs.length} tenants`, targets);
      rounds.push({ single, spread, ratio: spread.rps / single.rps });
      console.log(
        `    one tenant ${single.rps.toFixed(0)} req/s, ${opts.slugs.length} tenants ${spread.rps.toFixed(0)} req/s: ratio ${(spread.rps / single.rps).toFixed(2)}`,
      );
    }
    const median = [...rounds].sort((x, y) => x.ratio - y.ratio)[Math.floor((rounds.length - 1) / 2)]!;
    return {
      single: median.single,
      spread: { ...median.spread, tenants: opts.slugs.length },
      ratios: rounds.map((x) => x.ratio),
      firstVisits: { requests: cold.requests, rps: (cold.requests / cold.ms) * 1000, cpuMsPerReq: cold.cpuMs === null ? null : cold.cpuMs / cold.requests },
      warmed,
    };
  } finally {
    await app.stop();
    await engine.close();
  }
}
