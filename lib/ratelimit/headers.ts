// Rate-limit results as HTTP: the RateLimit-* response headers (delta-seconds reset)
// and the 429 error.
import { AppError } from "@/lib/errors/app-error";
import type { RateLimitResult } from "./limiter";

/** The response headers of a result; none when no limit was applied (skipped). */
export function rateLimitHeaderValues(result: RateLimitResult | undefined): Record<string, string> {
  if (!result || result.skipped) return {};
  const values: Record<string, string> = {
    "RateLimit-Limit": String(result.limit),
    "RateLimit-Remaining": String(result.remaining),
    "RateLimit-Reset": String(result.resetSeconds),
  };
  if (!result.allowed) values["Retry-After"] = String(Math.max(1, result.resetSeconds));
  return values;
}

export function applyRateLimitHeaders(headers: Headers, result: RateLimitResult | undefined): void {
  for (const [name, value] of Object.entries(rateLimitHeaderValues(result))) headers.set(name, value);
}

/** The 429 for an exhausted bucket, with its RateLimit-* and Retry-After headers. */
export function rateLimitedError(result: RateLimitResult, message: string): AppError {
  const headers = rateLimitHeaderValues(result);
  // A refusal always says when to come back, even one that came without a count.
  headers["Retry-After"] ??= String(Math.max(1, result.resetSeconds));
  return new AppError("rate_limited", message, [], { headers, reason: "rate_limited" });
}

/**
 * The result that should speak for a request limited twice (tenant and principal, IP
 * and email): a refusal over an allowance, an applied limit over a skipped one, then
 * the fewer remaining, then the later reset.
 */
export function tighter(a?: RateLimitResult, b?: RateLimitResult): RateLimitResult | undefined {
  if (!a || !b) return a ?? b;
  if (a.allowed !== b.allowed) return a.allowed ? b : a;
  if (Boolean(a.skipped) !== Boolean(b.skipped)) return a.skipped ? b : a;
  if (a.remaining !== b.remaining) return a.remaining < b.remaining ? a : b;
  return a.resetSeconds >= b.resetSeconds ? a : b;
}
