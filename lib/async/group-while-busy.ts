// Group commit in the application: the first item goes out at once; items that arrive
// while a flush is in flight wait for it and then go out together, up to `maxItems`
// per flush. No added latency when idle; under load, one round trip (one lock, one
// commit) serves everything that queued meanwhile. Each item gets its own result or
// error back.
import { LRUCache } from "lru-cache";
export interface GroupOptions<T, R> {
  maxItems: number;
  /** Optional cap on the summed weight of one flush (e.g. bytes); a heavy item still goes, alone if need be. */
  maxWeight?: number;
  weight?(item: T): number;
  /** One result per item, in order: a value, or an Error for that item alone. */
  flush(items: T[]): Promise<(R | Error)[]>;
}

export interface Group<T, R> {
  submit(item: T): Promise<R>;
}

interface Pending<T, R> {
  item: T;
  resolve(value: R): void;
  reject(err: unknown): void;
}

export function groupWhileBusy<T, R>(o: GroupOptions<T, R>): Group<T, R> {
  let queue: Pending<T, R>[] = [];
  let busy = false;

  const pump = (): void => {
    if (busy || !queue.length) return;
    busy = true;
    let take = 0;
    let weight = 0;
    while (take < queue.length && take < o.maxItems) {
      const w = o.weight ? o.weight(queue[take]!.item) : 0;
      if (take > 0 && o.maxWeight !== undefined && weight + w > o.maxWeight) break;
      weight += w;
      take++;
    }
    const batch = queue.slice(0, take);
    queue = queue.slice(take);
    o.flush(batch.map((p) => p.item))
      .then(
        (results) =>
          batch.forEach((p, i) => {
            const r = results[i];
            if (r instanceof Error) p.reject(r);
            else if (r === undefined) p.reject(new Error("no result for this item"));
            else p.resolve(r);
          }),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        busy = false;
        pump();
      });
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pump();
      });
    },
  };
}

/**
 * One group per key (a tenant), made on first use. Bounded, so thousands of tenants do not
 * keep a group each: an evicted group still drains what it queued (its in-flight flush
 * does), and the next item makes a new one. Kept on globalThis under `name`, since Next may
 * load a module more than once and two copies would split a tenant's group.
 */
export function groupPerKey<T, R>(name: string, options: (key: string) => GroupOptions<T, R>, max = 1_000): (key: string) => Group<T, R> {
  const g = globalThis as unknown as Record<string, LRUCache<string, Group<T, R>> | undefined>;
  return (key) => {
    const all = (g[name] ??= new LRUCache<string, Group<T, R>>({ max }));
    let group = all.get(key);
    if (!group) {
      group = groupWhileBusy(options(key));
      all.set(key, group);
    }
    return group;
  };
}
