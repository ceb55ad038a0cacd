// The in-process sealer: keeps every tenant's audit rows sealed within about a second.
// Writers in this process mark their tenant dirty (markAuditDirty, in memory); each tick
// seals the dirty tenants, and a tenant stays dirty until everything drawn is sealed
// (a row whose transaction is still open keeps it dirty). A slower sweep finds what
// other processes, or a crash, left unsealed: one catalogue query reads the last seq
// drawn in every tenant schema, and only tenants whose value moved since
// this process last saw them fully sealed are sealed. Several processes may run this
// loop: audit_seal lets one sealer per tenant in at a time and the others skip.
// Tenants live on several clusters: each is sealed on its own cluster's pool, and the
// sweep reads every cluster's catalogue (a cluster that is down is skipped, the others go on).
import type pg from "pg";
import { clusterNames, clusterPool } from "@/lib/db/clusters";
import { tenantPool } from "@/lib/db/tenant-pool";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { SEAL_BATCH, sealStep } from "./seal-chain";
import { log } from "@/lib/observability/logger";
import { auditAppends, exposeSealer } from "./metrics";

export interface SealerOptions {
  /** One pool for every tenant (tests); default: each tenant's cluster. */
  pool?: pg.Pool;
  /** How often dirty tenants are sealed (a row is sealed within about two ticks). */
  intervalMs?: number;
  /** How often all tenant schemas are checked for leftovers. */
  sweepMs?: number;
  /** Tenants sealed at once. */
  concurrency?: number;
}

interface SealerState {
  dirty: Set<string>;
  /** slug -> when it became dirty (ms), for the lag gauge. */
  dirtySince: Map<string, number>;
  /** slug -> rows drawn but not sealed at the last seal step. */
  behind: Map<string, number>;
  /** schema -> last seq drawn when this process last saw it fully sealed. */
  cleanAt: Map<string, bigint>;
  timer?: NodeJS.Timeout;
  running: boolean;
  lastSweep: number;
  stopped?: Promise<void>;
}

// On globalThis: Next may load this module more than once (route bundles, instrumentation).
const g = globalThis as unknown as { __auditSealer?: SealerState };
const state: SealerState = (g.__auditSealer ??= {
  dirty: new Set(),
  dirtySince: new Map(),
  behind: new Map(),
  cleanAt: new Map(),
  running: false,
  lastSweep: 0,
});
state.dirtySince ??= new Map();
state.behind ??= new Map();

function dirty(slug: string): void {
  state.dirty.add(slug);
  if (!state.dirtySince.has(slug)) state.dirtySince.set(slug, Date.now());
}

function clean(slug: string): void {
  state.dirty.delete(slug);
  state.dirtySince.delete(slug);
  state.behind.delete(slug);
}

exposeSealer({
  unsealed: () => [...state.behind.values()].reduce((a, b) => a + b, 0),
  oldestDirtyAt: () => (state.dirtySince.size ? Math.min(...state.dirtySince.values()) : undefined),
  dirtyTenants: () => state.dirty.size,
});

/** Called after a write that appended audit rows: cheap, in memory. */
export function markAuditDirty(slug: string): void {
  dirty(slug);
}

const slugOfSchema = (schema: string) => schema.slice("tenant_".length).replaceAll("_", "-");

async function sealTenant(fixedPool: pg.Pool | undefined, slug: string): Promise<void> {
  try {
    const pool = fixedPool ?? (await tenantPool(slug));
    let step = await sealStep(pool, slug);
    auditAppends.inc({}, step.sealed);
    // A full batch: keep going while there is a backlog of final rows.
    while (step.sealed >= SEAL_BATCH) {
      step = await sealStep(pool, slug);
      auditAppends.inc({}, step.sealed);
    }
    if (step.drawn <= step.sealedThrough) {
      clean(slug);
      state.cleanAt.set(schemaNameFor(slug), step.drawn);
    } else state.behind.set(slug, Number(step.drawn - step.sealedThrough));
  } catch (err) {
    const code = (err as { code?: string }).code;
    // 3F000/42P01/42883: the tenant's schema is gone (archived, dropped) or not migrated yet.
    // not_found: the tenant row is gone (dropped).
    if (code === "3F000" || code === "42P01" || code === "42883" || code === "not_found") clean(slug);
    // A cluster that is down: the rows stay dirty, sealed when it is back; one sweep warning says so.
    else if (code === "ECONNREFUSED") return;
    else log().warn({ err, component: "audit", tenant: slug }, "audit sealing failed");
  }
}

/** Tenants whose sequence moved since this process last saw them fully sealed. */
async function sweepCluster(pool: pg.Pool): Promise<void> {
  // Not the pg_sequences view: its privilege checks and a join whose plan turned quadratic
  // once the catalogue's statistics lagged behind thousands of new schemas (300 ms for
  // 1,000 tenants, every 5 s in every worker, against 5 ms here).
  const { rows } = await pool.query<{ schema: string; last: string | null }>(
    `SELECT s.schema, pg_sequence_last_value(c.oid)::text AS last
       FROM pg_class c, LATERAL (SELECT c.relnamespace::regnamespace::text AS schema) s
      WHERE c.relname = 'audit_log_seq_seq' AND c.relkind = 'S' AND starts_with(s.schema, 'tenant_')
        AND has_sequence_privilege(c.oid, 'SELECT')`,
  );
  for (const r of rows) {
    if (r.last === null) continue; // nothing drawn since the sealer migration
    if (state.cleanAt.get(r.schema) !== BigInt(r.last)) dirty(slugOfSchema(r.schema));
  }
}

async function sweep(fixedPool: pg.Pool | undefined): Promise<void> {
  const clusters = fixedPool ? [{ name: "(given pool)", pool: fixedPool }] : clusterNames().map((name) => ({ name, pool: clusterPool(name) }));
  await Promise.all(
    clusters.map(({ name, pool }) =>
      sweepCluster(pool).catch((err: unknown) => log().warn({ err, component: "audit", cluster: name }, "audit sealer sweep of a cluster failed")),
    ),
  );
}

async function tick(pool: pg.Pool | undefined, options: Required<Omit<SealerOptions, "pool">>): Promise<void> {
  if (Date.now() - state.lastSweep >= options.sweepMs) {
    state.lastSweep = Date.now();
    await sweep(pool);
  }
  const slugs = [...state.dirty];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency, slugs.length) }, async () => {
      while (next < slugs.length) await sealTenant(pool, slugs[next++]!);
    }),
  );
}

/** Starts the loop (idempotent). The timer does not keep the process alive. */
export function startAuditSealer(options: SealerOptions = {}): void {
  if (state.running) return;
  state.running = true;
  // 250 ms: a row is sealed within about two ticks (the 1 s bound) while a process
  // writing to many tenants makes 4 seal calls a second per tenant, not 10.
  const opts = { intervalMs: options.intervalMs ?? 250, sweepMs: options.sweepMs ?? 5_000, concurrency: options.concurrency ?? 4 };
  const loop = async () => {
    // Pools are resolved in the tick, so starting the loop never needs the database configured.
    state.stopped = tick(options.pool, opts).catch((err: unknown) => log().warn({ err, component: "audit" }, "audit sealer tick failed"));
    await state.stopped;
    if (state.running) {
      state.timer = setTimeout(() => void loop(), opts.intervalMs);
      state.timer.unref();
    }
  };
  state.timer = setTimeout(() => void loop(), 0);
  state.timer.unref();
}

/** Stops the loop and waits for a tick in progress (tests, benches, shutdown). */
export async function stopAuditSealer(): Promise<void> {
  state.running = false;
  if (state.timer) clearTimeout(state.timer);
  await state.stopped;
}
