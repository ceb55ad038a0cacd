// Limits on the requests that send account email to an address the caller names
// (password reset): per client IP (a 429, failing closed like sign-in) and per address
// (silently: the request is answered as usual but no more mail goes to that address,
// so the answer still says nothing about whether it belongs to an account).
import { AppError } from "@/lib/errors/app-error";
import { rateLimitedError } from "./headers";
import { consume, type RateLimitResult } from "./limiter";
import { ipBucketKey, pseudonym } from "./sign-in-limit";

export const accountEmailLimits = {
  /** Requests from one IP (an IPv6 /64) per tenant, per 15 minutes. */
  perIpPer15Minutes: 10,
  /** Emails to one address per tenant, per hour. */
  perAddressPerHour: 3,
} as const;

export async function limitAccountEmailRequest(tenantSlug: string, ip: string | undefined): Promise<RateLimitResult | undefined> {
  if (!ip) return undefined;
  const result = await consume({
    bucket: "account-mail-ip",
    key: `${tenantSlug}:${ipBucketKey(ip)}`,
    limit: accountEmailLimits.perIpPer15Minutes,
    windowSeconds: 15 * 60,
    onFailure: "closed",
  });
  if (result.skipped === "unavailable") {
    throw new AppError("unavailable", "This is briefly unavailable; try again in a few seconds.", [], { headers: { "Retry-After": "5" } });
  }
  if (!result.allowed) throw rateLimitedError(result, `Too many requests; try again in ${Math.ceil(Math.max(1, result.resetSeconds) / 60)} minutes.`);
  return result;
}

/** True when one more account email may go to `email` (counts it). Fails closed: no mail while Redis is down. */
export async function mayMailAddress(tenantSlug: string, email: string): Promise<boolean> {
  const result = await consume({
    bucket: "account-mail-addr",
    key: `${tenantSlug}:${pseudonym(`${tenantSlug}\n${email.toLowerCase()}`)}`,
    limit: accountEmailLimits.perAddressPerHour,
    windowSeconds: 3600,
    onFailure: "closed",
  });
  return result.allowed;
}
