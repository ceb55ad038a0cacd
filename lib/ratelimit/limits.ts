// The platform's rate limits and a tenant's effective ones. Edge-safe (the middleware
// imports it): tenants override single keys in settings.rateLimits, the rest default.
import type { TenantSettings } from "@/lib/tenancy/settings";

export type RateLimits = Required<TenantSettings["rateLimits"]>;

export const platformRateLimits: Readonly<RateLimits> = Object.freeze({
  /** All /api/* traffic of one tenant (Edge middleware). */
  apiPerMinute: 600,
  /** One user or API key inside a tenant (request wrapper). */
  principalPerMinute: 300,
  /** Sign-in and token attempts from one IP (an IPv6 /64). Offices behind one NAT may need more. */
  signInPerIpPer15Minutes: 20,
  /** Sign-in attempts naming one email address, from anywhere. */
  signInPerEmailPer15Minutes: 10,
  /**
   * Failed sign-ins in one tenant, across all emails and addresses (password spraying
   * from many IPs). Once used up, password sign-in to the tenant pauses for everyone
   * until the window slides on: raise it for large tenants.
   */
  failedSignInsPerTenantPer15Minutes: 100,
});

/** Window length of each limit, in seconds. */
export const rateLimitWindows = {
  api: 60,
  principal: 60,
  signIn: 15 * 60,
} as const;

export function effectiveRateLimits(settings: TenantSettings): RateLimits {
  const o = settings.rateLimits;
  // Key by key with ??, so an override present but undefined still means "default".
  return {
    apiPerMinute: o.apiPerMinute ?? platformRateLimits.apiPerMinute,
    principalPerMinute: o.principalPerMinute ?? platformRateLimits.principalPerMinute,
    signInPerIpPer15Minutes: o.signInPerIpPer15Minutes ?? platformRateLimits.signInPerIpPer15Minutes,
    signInPerEmailPer15Minutes: o.signInPerEmailPer15Minutes ?? platformRateLimits.signInPerEmailPer15Minutes,
    failedSignInsPerTenantPer15Minutes: o.failedSignInsPerTenantPer15Minutes ?? platformRateLimits.failedSignInsPerTenantPer15Minutes,
  };
}
