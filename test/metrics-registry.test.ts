// The registry's bound: label values outside a declaration are recorded as "other", so
// no input can grow the series set past maxSeries().
import { describe, expect, it } from "vitest";
import { cachedCollect, counter, gauge, histogram, maxSeries, open, registry } from "@/lib/observability/metrics";

async function seriesOf(name: string): Promise<string[]> {
  const text = await registry.metrics();
  return text.split("\n").filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe("metrics registry", () => {
  it("records undeclared values of a listed label as other", async () => {
    const c = counter({ name: "test_registry_listed_total", help: "t", labels: { outcome: ["ok", "failed"] } });
    c.inc({ outcome: "ok" });
    c.inc({ outcome: "/raw/path/42" });
    c.inc({ outcome: "user-123" });
    expect(await seriesOf("test_registry_listed_total")).toEqual([
      'test_registry_listed_total{outcome="ok"} 1',
      'test_registry_listed_total{outcome="other"} 2',
    ]);
  });

  it("caps an open label at its limit and counts the rest as other", async () => {
    const c = counter({ name: "test_registry_open_total", help: "t", labels: { tenant: open(3) } });
    for (let i = 0; i < 50; i++) c.inc({ tenant: `t${i}` });
    const lines = await seriesOf("test_registry_open_total");
    expect(lines).toHaveLength(4);
    expect(lines).toContain('test_registry_open_total{tenant="other"} 47');
    expect(maxSeries({ tenant: open(3) })).toBe(4);
  });

  it("caps label combinations with seriesLimit, and a gauge refilled on scrape starts its bound afresh", async () => {
    const g = gauge({ name: "test_registry_combos", help: "t", labels: { a: open(100), b: open(100) }, seriesLimit: 3 });
    for (let i = 0; i < 10; i++) g.set({ a: `a${i}`, b: `b${i}` }, 1);
    const lines = await seriesOf("test_registry_combos");
    expect(lines).toHaveLength(4);
    expect(lines).toContain('test_registry_combos{a="other",b="other"} 1');
    expect(maxSeries({ a: open(100), b: open(100) }, "gauge", 0, 3)).toBe(4);
    g.reset();
    g.set({ a: "fresh", b: "fresh" }, 2);
    expect(await seriesOf("test_registry_combos")).toEqual(['test_registry_combos{a="fresh",b="fresh"} 2']);
  });

  it("refuses a label that was not declared", () => {
    const c = counter({ name: "test_registry_strict_total", help: "t", labels: { outcome: ["ok"] } });
    expect(() => c.inc({ outcome: "ok", user: "u1" } as never)).toThrow(/not declared/);
  });

  it("returns the first metric when a name is declared twice (Next evaluates modules per bundle)", async () => {
    const a = counter({ name: "test_registry_twice_total", help: "t" });
    const b = counter({ name: "test_registry_twice_total", help: "t" });
    a.inc();
    b.inc();
    expect(await seriesOf("test_registry_twice_total")).toEqual(["test_registry_twice_total 2"]);
  });

  it("counts a histogram's series: buckets, +Inf, _sum and _count per label combination", async () => {
    const h = histogram({ name: "test_registry_seconds", help: "t", labels: { outcome: ["ok"] }, buckets: [0.1, 1] });
    h.observe({ outcome: "ok" }, 0.5);
    const text = await registry.metrics();
    expect(text).toContain('test_registry_seconds_bucket{le="0.1",outcome="ok"} 0');
    expect(text).toContain('test_registry_seconds_bucket{le="1",outcome="ok"} 1');
    expect(maxSeries({ outcome: ["ok"] }, "histogram", 2)).toBe(2 * 5);
  });

  it("collects a cached gauge at most once per ttl and keeps the last values when a load fails", async () => {
    let loads = 0;
    let fail = false;
    const g = gauge({
      name: "test_registry_cached",
      help: "t",
      labels: { state: ["a"] },
      aggregator: "max",
      collect: cachedCollect(60_000, 200, async () => {
        loads++;
        if (fail) throw new Error("down");
        return [{ labels: { state: "a" }, value: 7 }];
      }),
    });
    expect(g).toBeDefined();
    expect(await seriesOf("test_registry_cached")).toEqual(['test_registry_cached{state="a"} 7']);
    fail = true;
    expect(await seriesOf("test_registry_cached")).toEqual(['test_registry_cached{state="a"} 7']);
    expect(loads).toBe(1);
  });

  it("does not hold a scrape longer than the timeout when a load hangs", async () => {
    gauge({ name: "test_registry_hanging", help: "t", collect: cachedCollect(0, 100, () => new Promise(() => undefined)) });
    const started = Date.now();
    await registry.metrics();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("exposes process metrics", async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });
});
