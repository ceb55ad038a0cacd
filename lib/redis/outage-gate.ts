// How a Redis-backed feature degrades (rate limits, circuit breakers): after a failure
// it skips Redis for BACKOFF_MS, so an outage never adds a timeout to every request, and
// it reports at most one line a minute saying how many calls it stands for. Edge-safe.
export const BACKOFF_MS = 5_000;
const LOG_EVERY_MS = 60_000;

/** The error's gist without what @upstash/redis appends (", command was: [...]" holds keys and scripts). */
export function redisErrorGist(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : "";
  return (message.split(", command was:")[0] + cause).slice(0, 200);
}

export class RedisOutageGate {
  /** Until when Redis is skipped (epoch ms). */
  downUntil = 0;
  private redis: object | undefined;
  private lastLogAt = 0;
  private suppressed = 0;

  /** `report` turns the error's gist and the "N more" suffix into the log line. */
  constructor(private readonly report: (gist: string, more: string) => string) {}

  /** Starts afresh when the client changed (tests, environment switches). Returns true if it did. */
  bind(redis: object): boolean {
    if (this.redis === redis) return false;
    this.redis = redis;
    this.downUntil = 0;
    this.lastLogAt = 0;
    this.suppressed = 0;
    return true;
  }

  /** True while backing off; the skipped call is counted for the next report. */
  skipping(now: number): boolean {
    if (now >= this.downUntil) return false;
    this.suppressed++;
    return true;
  }

  failed(err: unknown, now: number): void {
    this.downUntil = now + BACKOFF_MS;
    if (now - this.lastLogAt < LOG_EVERY_MS) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed ? `; ${this.suppressed} more failed or skipped calls since the last report` : "";
    console.warn(this.report(redisErrorGist(err), more));
    this.lastLogAt = now;
    this.suppressed = 0;
  }
}
