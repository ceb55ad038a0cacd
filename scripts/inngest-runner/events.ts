// Event intake (POST /e/<key>): validation, ids and 24 h de-duplication by the
// sender's `id` (spec 1.3.4: an event sent again with the same id triggers nothing).
import { z } from "zod";
import { seededEventIds, ulid } from "./ids";
import type { RunnerEvent } from "./types";

const DEDUP_WINDOW_MS = 24 * 60 * 60 * 1000;

const record = z.record(z.string(), z.unknown());

export const incomingEventSchema = z.object({
  name: z.string().trim().min(1, "event name must be a non-empty string"),
  data: record.nullish(),
  id: z.string().nullish(),
  ts: z.number().int().nonnegative().nullish(),
  user: record.nullish(),
  v: z.string().nullish(),
});
export type IncomingEvent = z.infer<typeof incomingEventSchema>;

export const eventsBodySchema = z.union([incomingEventSchema.transform((e) => [e]), z.array(incomingEventSchema)]);

export class EventIntake {
  /** Dedup keys (sender id or seeded internal id) -> [internal id, expiry]. */
  private readonly seen = new Map<string, [string, number]>();
  private accepted = 0;

  constructor(private readonly onEvent: (event: RunnerEvent) => void) {}

  /** Stores and dispatches the events; returns their internal ids in order. */
  accept(events: readonly IncomingEvent[], seed?: string, now = Date.now()): string[] {
    if (++this.accepted % 256 === 0) this.prune(now);
    const seeded = seededEventIds(seed, events.length);
    return events.map((e, i) => {
      const internalId = seeded?.[i] ?? ulid(now);
      const keys = [`internal:${internalId}`, ...(e.id ? [`id:${e.id}`] : [])];
      for (const key of keys) {
        const hit = this.seen.get(key);
        if (hit && hit[1] > now) return hit[0];
      }
      for (const key of keys) this.seen.set(key, [internalId, now + DEDUP_WINDOW_MS]);
      const event: RunnerEvent = { name: e.name, data: e.data ?? {}, id: e.id || internalId, ts: e.ts ?? now };
      if (e.user) event.user = e.user;
      if (e.v) event.v = e.v;
      this.onEvent(event);
      return internalId;
    });
  }

  private prune(now: number): void {
    for (const [key, [, expiry]] of this.seen) if (expiry <= now) this.seen.delete(key);
  }
}
