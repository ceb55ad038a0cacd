// Rate-limit results as HTTP: the RateLimit-* response headers (delta-seconds reset),
// the 429 error, and the internal header that carries the middleware's per-tenant
// result to the Node request wrapper. Edge-safe.
import { z } from "zod";
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

const count = z.number().int().min(0).max(1_000_000_000);
const forwardedSchema = z
  .object({
    allowed: z.boolean(),
    limit: count,
    remaining: count,
    resetSeconds: count,
    skipped: z.enum(["disabled", "unavailable"]).optional(),
  })
  .strict();

/** Value of internalHeaders.rateLimit, set by the middleware only (it strips incoming copies). */
export function encodeForwardedRateLimit(result: RateLimitResult): string {
  const { allowed, limit, remaining, resetSeconds, skipped } = result;
  return JSON.stringify(skipped ? { allowed, limit, remaining, resetSeconds, skipped } : { allowed, limit, remaining, resetSeconds });
}

/** The middleware's per-tenant result, or undefined when absent or malformed. */
export function decodeForwardedRateLimit(value: string | null | undefined): RateLimitResult | undefined {
  if (!value || value.length > 300) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = forwardedSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
