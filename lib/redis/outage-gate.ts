// How a Redis-backed feature degrades (rate limits, circuit breakers): after a failure
// it skips Redis for BACKOFF_MS, so an outage never adds a timeout to every request, and
// it reports at most one line a minute saying how many calls it stands for. Each gate
// counts its failures (platform_redis_errors_total) and shows whether it is backing off
// (platform_redis_gate_open), by the feature it serves. Node only.
import { log } from "@/lib/observability/logger";
import { counter, gauge } from "@/lib/observability/metrics";
export const BACKOFF_MS = 5_000;
const LOG_EVERY_MS = 60_000;

/** The error's gist without what @upstash/redis appends (", command was: [...]" holds keys and scripts). */
export function redisErrorGist(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : "";
  return (message.split(", command was:")[0] + cause).slice(0, 200);
}

/** The features that reach Redis through a gate: the label values of the series below. */
export const gateNames = ["ratelimit", "circuit"] as const;
export type GateName = (typeof gateNames)[number];

const redisErrors = counter({
  name: "platform_redis_errors_total",
  help: "Redis calls that failed or timed out, by the feature that made them.",
  labels: { gate: gateNames },
});
const gates = new Map<GateName, RedisOutageGate>();
gauge({
  name: "platform_redis_gate_open",
  help: "1 while a feature skips Redis after a failure (its outage gate is open), else 0.",
  labels: { gate: gateNames },
  // Per process: with several workers, the highest (any worker backing off) is shown.
  aggregator: "max",
  collect: (g) => {
    const now = Date.now();
    for (const name of gateNames) g.set({ gate: name }, (gates.get(name)?.downUntil ?? 0) > now ? 1 : 0);
  },
});

export class RedisOutageGate {
  /** Until when Redis is skipped (epoch ms). */
  downUntil = 0;
  private redis: object | undefined;
  private lastLogAt = 0;
  private suppressed = 0;

  /** `report` turns the error's gist and the "N more" suffix into the log line. */
  constructor(
    private readonly name: GateName,
    private readonly report: (gist: string, more: string) => string,
  ) {
    gates.set(name, this);
  }

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
    redisErrors.inc({ gate: this.name });
    this.downUntil = now + BACKOFF_MS;
    if (now - this.lastLogAt < LOG_EVERY_MS) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed ? `; ${this.suppressed} more failed or skipped calls since the last report` : "";
    log().warn({ component: this.name }, this.report(redisErrorGist(err), more));
    this.lastLogAt = now;
    this.suppressed = 0;
  }
}
