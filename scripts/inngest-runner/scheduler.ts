// Cron triggers: each registered cron gets a next fire time; `tick(now)` fires those
// that are due with an `inngest/scheduled.timer` event (data: { cron }) for that one
// function. A tick fires a schedule at most once: missed slots are not backfilled.
import { nextCronTime } from "./cron";
import { ulid } from "./ids";
import type { RegisteredFunction } from "./registry";
import type { RunnerEvent } from "./types";

interface Entry {
  fnId: string;
  expression: string;
  nextAt: number;
}

export class CronScheduler {
  private entries = new Map<string, Entry>();

  constructor(
    private readonly functions: () => RegisteredFunction[],
    private readonly fire: (fn: RegisteredFunction, event: RunnerEvent) => void,
  ) {}

  /** Re-reads the registry after a sync, keeping the next fire time of unchanged crons. */
  refresh(now = Date.now()): void {
    const next = new Map<string, Entry>();
    for (const fn of this.functions()) {
      if (fn.refusal) continue;
      for (const t of fn.cronTriggers) {
        const key = `${fn.id}\n${t.expression}`;
        next.set(key, this.entries.get(key) ?? { fnId: fn.id, expression: t.expression, nextAt: nextCronTime(t.schedule, new Date(now)).getTime() });
      }
    }
    this.entries = next;
  }

  tick(now = Date.now()): void {
    for (const entry of this.entries.values()) {
      if (entry.nextAt > now) continue;
      const fn = this.functions().find((f) => f.id === entry.fnId);
      const trigger = fn?.cronTriggers.find((t) => t.expression === entry.expression);
      if (!fn || !trigger) continue;
      entry.nextAt = nextCronTime(trigger.schedule, new Date(now)).getTime();
      const id = ulid(now);
      this.fire(fn, { name: "inngest/scheduled.timer", data: { cron: entry.expression }, id, ts: now });
    }
  }

  nextFireTimes(): { functionId: string; cron: string; nextAt: string }[] {
    return [...this.entries.values()].map((e) => ({ functionId: e.fnId, cron: e.expression, nextAt: new Date(e.nextAt).toISOString() }));
  }
}
