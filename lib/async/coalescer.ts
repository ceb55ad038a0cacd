// Coalesces many small calls into one: items added within `delayMs` of the first (or
// until `maxItems`) are handed to one `flush`, and every caller's promise settles with
// that flush. Used where a round trip costs more than the work (engine sends, the
// dispatched_at marks of a flush).
export interface CoalescerOptions<T> {
  /** Longest an item waits for company. */
  delayMs: number;
  /** A buffer this full flushes at once. */
  maxItems: number;
  flush(items: T[]): Promise<void>;
}

export interface Coalescer<T> {
  /** Resolves when the flush that carried these items succeeded; rejects with its error. */
  add(items: readonly T[]): Promise<void>;
  /** Items waiting for their flush. */
  readonly pending: number;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export function coalescer<T>(o: CoalescerOptions<T>): Coalescer<T> {
  let items: T[] = [];
  let waiters: Waiter[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flushNow = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = items;
    const settle = waiters;
    items = [];
    waiters = [];
    if (!batch.length) return;
    o.flush(batch).then(
      () => settle.forEach((w) => w.resolve()),
      (err: unknown) => settle.forEach((w) => w.reject(err)),
    );
  };

  return {
    add(more) {
      if (!more.length) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        items.push(...more);
        waiters.push({ resolve, reject });
        if (items.length >= o.maxItems) flushNow();
        else timer ??= setTimeout(flushNow, o.delayMs);
      });
    },
    get pending() {
      return items.length;
    },
  };
}
