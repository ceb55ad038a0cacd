// Event batching (function option `batchEvents: { maxSize, timeout, key? }`): events a
// batched function is triggered by are collected per function and batch key, and one
// run starts with all of them when the batch holds `maxSize` events or `timeout` after
// its first event, whichever comes first. The run's Call Requests carry the batch as
// `events` and its first event as `event` (SDK spec 4.4.1). Keys are `event.data.<path>`.
import { readDataPath } from "./expressions";
import type { RegisteredFunction } from "./registry";
import type { RunnerEvent } from "./types";

export interface BatchConfig {
  maxSize: number;
  timeoutMs: number;
  /** The original key expression and its parsed `event.data` path. */
  key?: { expression: string; path: string[] };
}

interface OpenBatch {
  fn: RegisteredFunction;
  events: RunnerEvent[];
  cancelTimer: () => void;
}

export class Batcher {
  private readonly open = new Map<string, OpenBatch>();

  constructor(
    /** Runs `fn` after `ms` (the executor's timers, so closing the runner stops them); returns a cancel. */
    private readonly schedule: (ms: number, fn: () => void) => () => void,
    private readonly start: (fn: RegisteredFunction, events: RunnerEvent[]) => void,
  ) {}

  add(fn: RegisteredFunction, config: BatchConfig, event: RunnerEvent): void {
    const keyValue = config.key ? JSON.stringify(readDataPath(event, config.key.path) ?? null) : "";
    const id = `${fn.id}\u0000${keyValue}`;
    let batch = this.open.get(id);
    if (!batch) {
      const opened: OpenBatch = { fn, events: [], cancelTimer: () => undefined };
      opened.cancelTimer = this.schedule(config.timeoutMs, () => this.flush(id));
      this.open.set(id, opened);
      batch = opened;
    }
    batch.events.push(event);
    if (batch.events.length >= config.maxSize) this.flush(id);
  }

  /** Events waiting in open batches. */
  pending(): number {
    let n = 0;
    for (const b of this.open.values()) n += b.events.length;
    return n;
  }

  private flush(id: string): void {
    const batch = this.open.get(id);
    if (!batch) return;
    this.open.delete(id);
    batch.cancelTimer();
    if (batch.events.length) this.start(batch.fn, batch.events);
  }
}
