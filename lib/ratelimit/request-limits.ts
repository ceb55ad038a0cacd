// The buckets an API request is counted in: the tenant's (all of its /api traffic) and,
// once known, the principal's or the webhook integration's. takeRequestLimits takes
// them in one Redis round trip (./hot-limits.ts) and throws the 429 when one is empty.
import { rateLimitRefusals } from "./metrics";
import type { TenantSettings } from "@/lib/tenancy/settings";
import { rateLimitedError, tighter } from "./headers";
import { takeLimits, type Bucket } from "./hot-limits";
import type { RateLimitResult } from "./limiter";
import { effectiveRateLimits, rateLimitWindows } from "./limits";

export function tenantApiBucket(slug: string, settings: TenantSettings): Bucket {
  // Tallied per hour for the operator console (every /api request the tenant's limit let through).
  return { bucket: "api", key: slug, limit: effectiveRateLimits(settings).apiPerMinute, windowSeconds: rateLimitWindows.api, tally: `api:${slug}` };
}

/** One user or API key inside one tenant (ids are per tenant, so the slug is in the key). */
export function principalBucket(slug: string, principal: { kind: "user" | "api_key"; id: string }, settings: TenantSettings): Bucket {
  return {
    bucket: "principal",
    key: `${slug}:${principal.kind}:${principal.id}`,
    limit: effectiveRateLimits(settings).principalPerMinute,
    windowSeconds: rateLimitWindows.principal,
  };
}

const refusalMessage: Record<string, string> = {
  api: "Too many requests for this tenant",
  principal: "Too many requests from this principal",
  webhook: "Too many deliveries for this integration",
};

/** Takes every bucket or none; returns the result that speaks for the response headers. */
export async function takeRequestLimits(buckets: Bucket[]): Promise<RateLimitResult | undefined> {
  const results = await takeLimits(buckets);
  let speaking: RateLimitResult | undefined;
  results.forEach((result, i) => {
    if (!result.allowed) {
      rateLimitRefusals.inc({ bucket: buckets[i]!.bucket });
      const what = refusalMessage[buckets[i]!.bucket] ?? "Too many requests";
      throw rateLimitedError(result, `${what}; retry in ${Math.max(1, result.resetSeconds)} s.`);
    }
    speaking = tighter(speaking, result);
  });
  return speaking;
}
