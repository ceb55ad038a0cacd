// The per-integration outbound rate limit, over the shared limiter. A short wait (the
// window turns within a couple of seconds) is cheaper than failing the whole call; a
// long one is the caller's to schedule (RateLimitedError.retryAfterSeconds).
import { rateLimitRefusals } from "@/lib/ratelimit/metrics";
import { consume } from "@/lib/ratelimit/limiter";
import { RateLimitedError } from "./errors";
import type { ParsedTarget } from "./types";

const MAX_WAIT_SECONDS = 2;
const MAX_WAITS = 2;

export async function takeOutboundToken(target: ParsedTarget, sleep: (ms: number) => Promise<void>): Promise<RateLimitedError | null> {
  for (let waits = 0; ; waits++) {
    const result = await consume({
      bucket: "outbound",
      key: `${target.tenantSlug}:${target.integrationId}`,
      limit: target.rateLimitPerMinute,
      windowSeconds: 60,
      // Redis trouble must not stop integrations; the breaker and timeouts still protect us.
      onFailure: "open",
    });
    if (result.allowed) return null;
    if (result.resetSeconds > MAX_WAIT_SECONDS || waits >= MAX_WAITS) {
      rateLimitRefusals.inc({ bucket: "outbound" });
      return new RateLimitedError(Math.max(1, result.resetSeconds));
    }
    await sleep(Math.max(100, result.resetSeconds * 1000));
  }
}
