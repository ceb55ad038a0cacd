// The two ways calls are grouped on the hot path: coalescer (wait a few ms for company:
// engine sends, dispatched_at marks) and groupWhileBusy (group commit: go at once, and
// whatever queued meanwhile goes next, together).
import { describe, expect, it } from "vitest";
import { coalescer } from "@/lib/async/coalescer";
import { groupWhileBusy } from "@/lib/async/group-while-busy";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("coalescer", () => {
  it("flushes what arrived within the delay as one batch, and settles every caller with it", async () => {
    const flushed: number[][] = [];
    const c = coalescer<number>({ delayMs: 20, maxItems: 100, flush: async (items) => void flushed.push(items) });
    const calls = [c.add([1]), c.add([2, 3]), c.add([])];
    expect(c.pending).toBe(3);
    await Promise.all(calls);
    expect(flushed).toEqual([[1, 2, 3]]);
    expect(c.pending).toBe(0);
  });

  it("flushes at once when full, and a failed flush rejects only its own callers", async () => {
    const flushed: number[][] = [];
    let fail = true;
    const c = coalescer<number>({
      delayMs: 1_000,
      maxItems: 2,
      flush: async (items) => {
        flushed.push(items);
        if (fail) throw new Error("engine down");
      },
    });
    const first = c.add([1, 2]);
    await expect(first).rejects.toThrow("engine down");
    fail = false;
    const t0 = Date.now();
    await c.add([3, 4]);
    expect(Date.now() - t0).toBeLessThan(500);
    expect(flushed).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});

describe("groupWhileBusy", () => {
  it("sends the first item alone at once, then everything that queued meanwhile together", async () => {
    const batches: number[][] = [];
    const g = groupWhileBusy<number, string>({
      maxItems: 3,
      flush: async (items) => {
        batches.push(items);
        await tick(10);
        return items.map((i) => (i === 5 ? new Error("bad five") : `ok ${i}`));
      },
    });
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((i) => g.submit(i)));
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([
      "ok 1",
      "ok 2",
      "ok 3",
      "ok 4",
      "bad five",
      "ok 6",
    ]);
  });

  it("caps a flush by weight; an item heavier than the cap goes alone", async () => {
    const batches: number[][] = [];
    const g = groupWhileBusy<number, number>({
      maxItems: 10,
      maxWeight: 10,
      weight: (i) => i,
      flush: async (items) => {
        batches.push(items);
        await tick(5);
        return items;
      },
    });
    await Promise.all([1, 4, 5, 3, 20, 2].map((i) => g.submit(i)));
    expect(batches).toEqual([[1], [4, 5], [3], [20], [2]]);
  });

  it("a flush that throws rejects its batch only; the next batch still goes", async () => {
    let n = 0;
    const g = groupWhileBusy<number, number>({
      maxItems: 10,
      flush: async (items) => {
        if (n++ === 0) throw new Error("connection lost");
        return items;
      },
    });
    const first = g.submit(1);
    const second = g.submit(2);
    await expect(first).rejects.toThrow("connection lost");
    expect(await second).toBe(2);
  });
});
