// Function concurrency limits (spec 4.3.2 `concurrency`): a run holds a slot for each
// of its function's limits from the moment it starts until it finishes, except while
// it is only sleeping (Inngest counts executing work, not sleeping runs). Runs that
// cannot get every slot wait FIFO per key; a waiter for a different key is not held
// up by a full key ahead of it.
import { readDataPath } from "./expressions";
import type { RunnerEvent } from "./types";

export interface ConcurrencyConstraint {
  limit: number;
  scope: "fn" | "env" | "account";
  /** The original key expression and its parsed `event.data` path. */
  key?: { expression: string; path: string[] };
}

export interface Slot {
  key: string;
  limit: number;
}

/** The slots a run of `fnId` for `event` must hold. */
export function slotsFor(fnId: string, constraints: readonly ConcurrencyConstraint[], event: RunnerEvent): Slot[] {
  return constraints.map((c, i) => {
    const value = c.key ? JSON.stringify(readDataPath(event, c.key.path) ?? null) : "";
    // "fn" scope counts per function; "env"/"account" scopes share one counter per key
    // expression and value across every function of the runner.
    const owner = c.scope === "fn" ? `fn:${fnId}:${i}` : `${c.scope}:${c.key?.expression ?? ""}`;
    return { key: `${owner}:${value}`, limit: c.limit };
  });
}

interface Waiter {
  slots: Slot[];
  grant: () => void;
}

export class ConcurrencyLimiter {
  private readonly active = new Map<string, number>();
  private waiters: Waiter[] = [];

  /**
   * Takes the slots now and returns true, or queues and returns false; `grant` is
   * then called once the slots have been taken for it.
   */
  acquire(slots: Slot[], grant: () => void): boolean {
    const queuedKeys = new Set(this.waiters.flatMap((w) => w.slots.map((s) => s.key)));
    if (!slots.some((s) => queuedKeys.has(s.key)) && this.fits(slots)) {
      this.take(slots);
      return true;
    }
    this.waiters.push({ slots, grant });
    return false;
  }

  /** Forgets a queued request (the run ended while it waited). */
  cancel(grant: () => void): void {
    this.waiters = this.waiters.filter((w) => w.grant !== grant);
  }

  release(slots: Slot[]): void {
    for (const s of slots) {
      const n = (this.active.get(s.key) ?? 1) - 1;
      if (n > 0) this.active.set(s.key, n);
      else this.active.delete(s.key);
    }
    this.drain();
  }

  activeCount(key: string): number {
    return this.active.get(key) ?? 0;
  }

  private fits(slots: Slot[]): boolean {
    return slots.every((s) => (this.active.get(s.key) ?? 0) < s.limit);
  }

  private take(slots: Slot[]): void {
    for (const s of slots) this.active.set(s.key, (this.active.get(s.key) ?? 0) + 1);
  }

  private drain(): void {
    const blocked = new Set<string>();
    const granted: Waiter[] = [];
    this.waiters = this.waiters.filter((w) => {
      if (!w.slots.some((s) => blocked.has(s.key)) && this.fits(w.slots)) {
        this.take(w.slots);
        granted.push(w);
        return false;
      }
      for (const s of w.slots) blocked.add(s.key);
      return true;
    });
    for (const w of granted) w.grant();
  }
}
