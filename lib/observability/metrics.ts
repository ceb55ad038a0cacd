// The metrics registry: the one way to declare a Prometheus series (prom-client).
//   const hits = counter({ name: "platform_x_total", help: "...", labels: { outcome: ["ok", "failed"] } });
//   hits.inc({ outcome: "ok" });
// Every label is bounded by its declaration: a list of values (anything else is recorded
// as "other"), or `open(limit)` for values from a set we cannot list but that is bounded
// (tenants, route templates): past `limit` distinct values, new ones are "other". So no
// request can grow the series set, and `maxSeries()` says how large it can get.
// Node only (prom-client); Edge code never imports this file.
import client from "prom-client";

/** The process's registry: prom-client's global one, which its cluster aggregation reads. */
export const registry = client.register;

/** A label whose values we cannot list but that has a bound (tenants, route templates). */
export interface OpenLabel {
  open: true;
  limit: number;
}
export type LabelSpec = readonly string[] | OpenLabel;
export type Labels<L extends string> = Partial<Record<L, string | number>>;

export function open(limit: number): OpenLabel {
  return { open: true, limit };
}

/** The value recorded in place of one outside a label's bound. */
export const OTHER = "other";

interface Definition<L extends string> {
  name: string;
  help: string;
  labels?: Record<L, LabelSpec>;
  /**
   * A cap on label combinations where open labels go together (a circuit's tenant and
   * integration): past it, a new combination has its open labels recorded as "other".
   */
  seriesLimit?: number;
}

/** How workers' values combine under `npm start` (prom-client's AggregatorRegistry): "sum" by default. */
export type Aggregator = "sum" | "first" | "min" | "max" | "average" | "omit";

class LabelGuard<L extends string> {
  private readonly seen = new Map<string, Set<string>>();
  private readonly combos = new Set<string>();
  constructor(
    private readonly spec: Record<string, LabelSpec>,
    private readonly seriesLimit?: number,
  ) {}

  /** A gauge refilled on each scrape starts its bound afresh (what left is not kept counting). */
  forget(): void {
    this.seen.clear();
    this.combos.clear();
  }

  clean(labels: Labels<L> = {}): Partial<Record<L, string>> {
    const out: Partial<Record<L, string>> = {};
    for (const [key, raw] of Object.entries(labels) as [L, string | number | undefined][]) {
      if (raw === undefined) continue;
      const spec = this.spec[key];
      if (!spec) throw new Error(`metrics: label "${key}" was not declared`);
      const value = String(raw);
      if (isOpen(spec)) {
        let set = this.seen.get(key);
        if (!set) this.seen.set(key, (set = new Set()));
        if (!set.has(value) && set.size >= spec.limit) out[key] = OTHER;
        else {
          set.add(value);
          out[key] = value;
        }
      } else out[key] = spec.includes(value) ? value : OTHER;
    }
    if (this.seriesLimit !== undefined) {
      const combo = JSON.stringify(Object.entries(out).sort());
      if (!this.combos.has(combo) && this.combos.size >= this.seriesLimit) {
        for (const [key, spec] of Object.entries(this.spec)) if (isOpen(spec) && key in out) out[key as L] = OTHER;
      } else this.combos.add(combo);
    }
    return out;
  }
}

function isOpen(spec: LabelSpec): spec is OpenLabel {
  return !Array.isArray(spec) && (spec as OpenLabel).open === true;
}

/** The most series one metric can have: every combination of its labels' bounded values, "other" included. */
export function maxSeries(
  labels: Record<string, LabelSpec> = {},
  kind: "counter" | "gauge" | "histogram" = "counter",
  buckets = 0,
  seriesLimit?: number,
): number {
  let combos = Object.values(labels).reduce((n, spec) => n * ((isOpen(spec) ? spec.limit : spec.length) + 1), 1);
  // Past the cap, open labels are "other": at most one more combination per value of the listed labels.
  if (seriesLimit !== undefined) {
    const listed = Object.values(labels).reduce((n, spec) => n * (isOpen(spec) ? 1 : spec.length + 1), 1);
    combos = Math.min(combos, seriesLimit + listed);
  }
  // A histogram writes a series per bucket, plus +Inf, _sum and _count.
  return kind === "histogram" ? combos * (buckets + 3) : combos;
}

type Declaration = { kind: "counter" | "gauge" | "histogram"; labels: Record<string, LabelSpec>; buckets: number; seriesLimit?: number };

// Next may evaluate this module once per route bundle: a second declaration of a name
// returns the first metric (prom-client refuses duplicate names), so both maps live on globalThis.
const globalForMetrics = globalThis as unknown as { __platformMetrics?: Map<string, unknown>; __platformDeclared?: Map<string, Declaration> };
const made = (globalForMetrics.__platformMetrics ??= new Map<string, unknown>());

/** Every declaration made through this module, for the cardinality test and the README's figure. */
export const declared = (globalForMetrics.__platformDeclared ??= new Map<string, Declaration>());

function once<T>(name: string, make: () => T): T {
  if (!made.has(name)) made.set(name, make());
  return made.get(name) as T;
}

export interface BoundedCounter<L extends string> {
  inc(labels?: Labels<L>, value?: number): void;
}
export interface BoundedGauge<L extends string> {
  set(labels: Labels<L>, value: number): void;
  inc(labels?: Labels<L>, value?: number): void;
  dec(labels?: Labels<L>, value?: number): void;
  /** Forgets every series, and the values its bound has counted (a gauge refilled on each scrape). */
  reset(): void;
}
export interface BoundedHistogram<L extends string> {
  observe(labels: Labels<L>, value: number): void;
}

export function counter<L extends string = never>(def: Definition<L>): BoundedCounter<L> {
  return once(def.name, () => {
    const labels = (def.labels ?? {}) as Record<string, LabelSpec>;
    declared.set(def.name, { kind: "counter", labels, buckets: 0, seriesLimit: def.seriesLimit });
    const guard = new LabelGuard<L>(labels, def.seriesLimit);
    const metric = new client.Counter({ name: def.name, help: def.help, labelNames: Object.keys(labels), registers: [registry] });
    return { inc: (l = {}, v = 1) => metric.inc(guard.clean(l), v) };
  });
}

export function gauge<L extends string = never>(
  def: Definition<L> & {
    aggregator?: Aggregator;
    /** Runs on each scrape before the values are read (fill the gauge here). */
    collect?: (g: BoundedGauge<L>) => Promise<void> | void;
  },
): BoundedGauge<L> {
  return once(def.name, () => {
    const labels = (def.labels ?? {}) as Record<string, LabelSpec>;
    declared.set(def.name, { kind: "gauge", labels, buckets: 0, seriesLimit: def.seriesLimit });
    const guard = new LabelGuard<L>(labels, def.seriesLimit);
    let wrapper: BoundedGauge<L> | undefined;
    const metric = new client.Gauge({
      name: def.name,
      help: def.help,
      labelNames: Object.keys(labels),
      registers: [registry],
      ...(def.aggregator ? { aggregator: def.aggregator } : {}),
      ...(def.collect ? { collect: () => def.collect!(wrapper!) } : {}),
    });
    wrapper = {
      set: (l, v) => metric.set(guard.clean(l), v),
      inc: (l = {}, v = 1) => metric.inc(guard.clean(l), v),
      dec: (l = {}, v = 1) => metric.dec(guard.clean(l), v),
      reset: () => {
        metric.reset();
        guard.forget();
      },
    };
    return wrapper;
  });
}

/** Seconds: from 5 ms to 30 s. */
export const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function histogram<L extends string = never>(def: Definition<L> & { buckets?: number[] }): BoundedHistogram<L> {
  return once(def.name, () => {
    const labels = (def.labels ?? {}) as Record<string, LabelSpec>;
    const buckets = def.buckets ?? latencyBuckets;
    declared.set(def.name, { kind: "histogram", labels, buckets: buckets.length, seriesLimit: def.seriesLimit });
    const guard = new LabelGuard<L>(labels, def.seriesLimit);
    const metric = new client.Histogram({ name: def.name, help: def.help, labelNames: Object.keys(labels), buckets, registers: [registry] });
    return { observe: (l, v) => metric.observe(guard.clean(l), v) };
  });
}

/**
 * For gauges that read the database or Redis on scrape: at most one load per `ttlMs`,
 * each given `timeoutMs`; a slow or failed load keeps the previous values (and the
 * scrape is never held longer than the timeout). Returns a collect function.
 */
export function cachedCollect<L extends string>(
  ttlMs: number,
  timeoutMs: number,
  load: () => Promise<{ labels: Labels<L>; value: number }[]>,
  onError?: (err: unknown) => void,
): (g: BoundedGauge<L>) => Promise<void> {
  let last: { labels: Labels<L>; value: number }[] = [];
  let loadedAt = 0;
  let running: Promise<void> | undefined;
  return async (g) => {
    if (Date.now() - loadedAt >= ttlMs) {
      running ??= load()
        .then((rows) => {
          last = rows;
          loadedAt = Date.now();
        })
        .catch((err: unknown) => {
          loadedAt = Date.now(); // do not hammer a failing dependency on every scrape
          onError?.(err);
        })
        .finally(() => {
          running = undefined;
        });
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([running, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    g.reset();
    for (const row of last) g.set(row.labels, row.value);
  };
}

// Process metrics (CPU, memory, event loop lag, GC, handles), once per process.
const globalForDefaults = globalThis as unknown as { __platformDefaultMetrics?: boolean };
if (!globalForDefaults.__platformDefaultMetrics) {
  globalForDefaults.__platformDefaultMetrics = true;
  client.collectDefaultMetrics({ register: registry });
}

/** The registry's text for this process (the Prometheus exposition format). */
export async function processMetricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
