// The one outage gate of the rate limiters (./limiter.ts and ./hot-limits.ts): they
// share one Redis connection, so one failure backs both off, and an outage is reported
// in one line a minute, not one per limiter.
import { BACKOFF_MS, RedisOutageGate } from "@/lib/redis/outage-gate";

export const rateLimitGate = new RedisOutageGate(
  "ratelimit",
  (gist, more) =>
    `[ratelimit] Redis unavailable: ${gist}. Limits fail open for API traffic and closed for sign-in; Redis is retried every ${BACKOFF_MS / 1000} s${more}.`,
);
