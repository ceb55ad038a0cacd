// Several rate-limit buckets taken in ONE Redis script call over TCP: the request
// wrapper takes the tenant's and the principal's (or the webhook integration's) limit
// together, so an API request costs one Redis round trip. Sliding window, the same
// algorithm as @upstash/ratelimit's (the previous window weighted by how much of it
// still overlaps), and all-or-nothing: a refused call counts in no bucket, so a client
// hammering a closed bucket does not keep itself locked out.
// Redis trouble fails open here (these are API limits; sign-in keeps its strict,
// fail-closed limiter in ./sign-in-limit.ts): after a failure Redis is skipped for
// BACKOFF_MS, so an outage never adds a timeout to every request.
import { createHash } from "node:crypto";
import { z } from "zod";
import { redisKey, tcpRedis } from "@/lib/redis/tcp-client";
import type { RateLimitResult } from "./limiter";
import { rateLimitGate as gate } from "./redis-gate";
import { tallyHour, tallyKey } from "./request-tally";

export interface Bucket {
  /** Kind of limit ("api", "principal", "webhook"); part of the key. */
  bucket: string;
  /** Who is limited inside the bucket (slug, principal, integration). */
  key: string;
  limit: number;
  windowSeconds: number;
  /**
   * Also counts the allowed call in an hourly tally under this name (e.g. api:<slug>), in
   * the same script call: the operator console's "API requests in the last 24 h" costs
   * the request no extra round trip (lib/ratelimit/request-tally.ts reads it).
   */
  tally?: string;
}

const bucketSchema = z.object({
  bucket: z.string().regex(/^[a-z0-9-]{1,32}$/),
  key: z.string().min(1).max(300),
  limit: z.number().int().min(1),
  windowSeconds: z.number().int().min(1),
  tally: z
    .string()
    .regex(/^[a-z]+:[a-z0-9-@]{1,64}$/)
    .optional(),
});

// KEYS: per bucket, the current and the previous window's counter; then the hourly
// tally counters, incremented (and kept 25 h) when the call is allowed.
// ARGV: per bucket, limit, window ms, ms elapsed in the current window.
// Returns: {allowed (1/0), remaining_1, ..., remaining_n} (remaining after this call).
const script = `
local n = #ARGV / 3
local ok = 1
local out = {0}
for i = 1, n do
  local limit = tonumber(ARGV[i * 3 - 2])
  local window = tonumber(ARGV[i * 3 - 1])
  local elapsed = tonumber(ARGV[i * 3])
  local curr = tonumber(redis.call('GET', KEYS[i * 2 - 1]) or '0')
  local prev = tonumber(redis.call('GET', KEYS[i * 2]) or '0')
  local used = math.floor(prev * (window - elapsed) / window) + curr
  if used + 1 > limit then ok = 0 end
  out[i + 1] = limit - used - 1
end
if ok == 1 then
  for i = 1, n do
    local window = tonumber(ARGV[i * 3 - 1])
    redis.call('INCR', KEYS[i * 2 - 1])
    redis.call('PEXPIRE', KEYS[i * 2 - 1], window * 2 + 1000)
  end
  for j = n * 2 + 1, #KEYS do
    redis.call('INCR', KEYS[j])
    redis.call('EXPIRE', KEYS[j], 90000)
  end
end
out[1] = ok
return out
`;
const scriptSha = createHash("sha1").update(script).digest("hex");

function skipped(buckets: Bucket[], why: "disabled" | "unavailable"): RateLimitResult[] {
  return buckets.map((b) => ({ allowed: true, limit: b.limit, remaining: b.limit, resetSeconds: 0, skipped: why }));
}

/** Takes one call from every bucket, or from none; one result per bucket, in order. */
export async function takeLimits(buckets: Bucket[], now = Date.now()): Promise<RateLimitResult[]> {
  for (const b of buckets) bucketSchema.parse(b);
  const redis = tcpRedis();
  if (!redis) return skipped(buckets, "disabled");
  gate.bind(redis);
  if (gate.skipping(now)) return skipped(buckets, "unavailable");
  const keys: string[] = [];
  const args: number[] = [];
  const resets: number[] = [];
  for (const b of buckets) {
    const windowMs = b.windowSeconds * 1000;
    const index = Math.floor(now / windowMs);
    const base = redisKey(`rl:${b.bucket}:${b.key}:`);
    keys.push(`${base}${index}`, `${base}${index - 1}`);
    const elapsed = now - index * windowMs;
    args.push(b.limit, windowMs, elapsed);
    resets.push(Math.max(1, Math.ceil((windowMs - elapsed) / 1000)));
  }
  for (const b of buckets) if (b.tally) keys.push(tallyKey(b.tally, tallyHour(now)));
  let reply: number[];
  try {
    reply = (await redis.evalsha(scriptSha, keys.length, ...keys, ...args).catch((err: unknown) => {
      if (err instanceof Error && err.message.startsWith("NOSCRIPT")) return redis.eval(script, keys.length, ...keys, ...args);
      throw err;
    })) as number[];
  } catch (err) {
    gate.failed(err, Date.now());
    return skipped(buckets, "unavailable");
  }
  const allowed = reply[0] === 1;
  return buckets.map((b, i) => {
    const remaining = Number(reply[i + 1]);
    // When refused, only the buckets that are really exhausted say so.
    const exhausted = remaining < 0;
    return {
      allowed: allowed || !exhausted,
      limit: b.limit,
      remaining: Math.max(0, allowed ? remaining : exhausted ? 0 : remaining + 1),
      resetSeconds: resets[i]!,
    };
  });
}
