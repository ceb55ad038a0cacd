// The strict limit on sign-in and token endpoints: per client IP and per email address,
// inside one tenant, and per tenant on failed sign-ins across all emails (spraying one
// password over many accounts from many addresses). Fails CLOSED when Redis is configured but not answering, so an
// outage cannot be used to guess passwords without limit. Node only (HMAC, AUTH_SECRET).
import { rateLimitRefusals } from "./metrics";
import { createHmac, hkdfSync } from "node:crypto";
import { z } from "zod";
import { serverEnv } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import type { TenantSettings } from "@/lib/tenancy/settings";
import { rateLimitedError, tighter } from "./headers";
import { consume, peek, type ConsumeOptions, type RateLimitResult } from "./limiter";
import { effectiveRateLimits, rateLimitWindows } from "./limits";

// Normalises rather than rejects: the sign-in route validated the form already, and an
// odd value must still be counted, not turned into a 500.
const optionalText = (max: number) =>
  z
    .string()
    .optional()
    .transform((v) => v?.trim().slice(0, max) || undefined);
const inputSchema = z.object({
  tenantSlug: z.string().min(1).max(64),
  ip: optionalText(100),
  email: optionalText(1_000).transform((v) => v?.toLowerCase()),
});

let hashKey: { secret: string; key: Buffer } | undefined;

/**
 * Keyed hash of a value that must not sit in Redis in clear (emails, malformed IPs).
 * Keyed, not a plain SHA-256, so someone reading Redis cannot test guessed addresses.
 */
export function pseudonym(value: string): string {
  const secret = serverEnv().AUTH_SECRET;
  if (hashKey?.secret !== secret) {
    hashKey = { secret, key: Buffer.from(hkdfSync("sha256", secret, "tenant-platform", "rate-limit-key", 32)) };
  }
  return createHmac("sha256", hashKey.key).update(value, "utf8").digest("base64url").slice(0, 32);
}

/** Whole 16-bit groups of an IPv6 address ("::" expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): string[] {
  let text = address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const h = head ? head.split(":") : [];
  if (tail === undefined) return h;
  const t = tail ? tail.split(":") : [];
  return [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
}

/**
 * The IP part of a bucket key. IPv6 clients are limited per /64: one subscriber usually
 * holds a whole /64, so per-address limits would be no limit at all.
 */
export function ipBucketKey(ip: string): string {
  const value = ip.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(value);
  if (mapped) return mapped[1]!;
  if (z.ipv4().safeParse(value).success) return value;
  if (z.ipv6().safeParse(value).success) {
    const groups = ipv6Groups(value)
      .slice(0, 4)
      .map((g) => parseInt(g, 16).toString(16));
    return `${groups.join(":")}::/64`;
  }
  return `x-${pseudonym(value)}`;
}

function check(result: RateLimitResult, bucket: string): void {
  if (!result.allowed) rateLimitRefusals.inc({ bucket });
  if (result.skipped === "unavailable") {
    throw new AppError("unavailable", "Sign-in is briefly unavailable; try again in a few seconds.", [], { headers: { "Retry-After": "5" } });
  }
  if (!result.allowed) {
    const wait = Math.max(1, result.resetSeconds);
    const when = wait >= 120 ? `${Math.ceil(wait / 60)} minutes` : `${wait} seconds`;
    // One message for both buckets: it does not say whether the email is being targeted.
    throw rateLimitedError(result, `Too many sign-in attempts; try again in ${when}.`);
  }
}

function tenantFailures(tenantSlug: string, settings: TenantSettings): ConsumeOptions {
  return {
    bucket: "sign-in-fail-tenant",
    key: tenantSlug,
    limit: effectiveRateLimits(settings).failedSignInsPerTenantPer15Minutes,
    windowSeconds: rateLimitWindows.signIn,
    onFailure: "closed",
  };
}

/**
 * Counts a failed sign-in (wrong password, unknown email, wrong code) in the tenant's
 * bucket, which limitSignIn checks before every attempt. A Redis outage here is not
 * the caller's problem: the attempt itself was already limited (closed) by limitSignIn.
 */
export async function countFailedSignIn(tenantSlug: string, settings: TenantSettings): Promise<void> {
  const slug = inputSchema.shape.tenantSlug.parse(tenantSlug);
  await consume(tenantFailures(slug, settings));
}

/**
 * Takes one attempt from the IP bucket, then (only if that passed, so a blocked IP
 * cannot drain an address's bucket) from the email bucket. Throws 429 when either is
 * exhausted, 503 when Redis does not answer; returns the tighter result for headers.
 */
export async function limitSignIn(tenantSlug: string, who: { ip?: string; email?: string }, settings: TenantSettings): Promise<RateLimitResult> {
  const input = inputSchema.parse({ tenantSlug, ip: who.ip, email: who.email });
  const limits = effectiveRateLimits(settings);
  let byIp: RateLimitResult | undefined;
  let byEmail: RateLimitResult | undefined;
  if (input.ip) {
    byIp = await consume({
      bucket: "sign-in-ip",
      key: `${input.tenantSlug}:${ipBucketKey(input.ip)}`,
      limit: limits.signInPerIpPer15Minutes,
      windowSeconds: rateLimitWindows.signIn,
      onFailure: "closed",
    });
    check(byIp, "sign-in-ip");
  }
  if (input.email) {
    byEmail = await consume({
      bucket: "sign-in-email",
      key: `${input.tenantSlug}:${pseudonym(`${input.tenantSlug}\n${input.email}`)}`,
      limit: limits.signInPerEmailPer15Minutes,
      windowSeconds: rateLimitWindows.signIn,
      onFailure: "closed",
    });
    check(byEmail, "sign-in-email");
  }
  // Only failures count here (countFailedSignIn), so a look is enough: a tenant's users
  // signing in correctly never use it up.
  check(await peek(tenantFailures(input.tenantSlug, settings)), "sign-in-fail-tenant");
  // Neither given: nothing to count by (the caller should always pass the IP).
  return (
    tighter(byIp, byEmail) ?? {
      allowed: true,
      limit: limits.signInPerIpPer15Minutes,
      remaining: limits.signInPerIpPer15Minutes,
      resetSeconds: 0,
      skipped: "disabled",
    }
  );
}
