// The one way to take a token from a single rate-limit bucket with @upstash/ratelimit,
// over the Node side's TCP connection to Redis (sign-in, outbound calls). API requests
// take their tenant and principal buckets together in ./hot-limits.ts. A Redis outage
// must never add seconds to requests: each call
// waits at most RATELIMIT_TIMEOUT_MS (env, 250 ms), and after a failure calls skip Redis for BACKOFF_MS, then
// answer open (ordinary traffic) or closed (sign-in), as the caller chose.
//
// Algorithm: sliding window. A fixed window lets a client spend its whole budget just
// before a window edge and again just after it (2x the limit in a moment), which for
// 15-minute sign-in windows doubles the guesses an attacker gets. The sliding window
// weighs the previous window in, costs one extra GET, and its rejected calls do not
// count, so a client hammering a closed bucket does not keep itself locked out. Its
// `reset` (end of the current window) is when at least one more call passes.
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import { edgeEnv } from "@/lib/env";
import { withTimeout } from "@/lib/async/with-timeout";
import { tcpRedis } from "@/lib/redis/tcp-client";
import { ratelimitRedis } from "./ratelimit-redis";
import { rateLimitGate as gate } from "./redis-gate";
import { log } from "@/lib/observability/logger";

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket has room again (delta seconds, as in RateLimit-Reset). */
  resetSeconds: number;
  /** Set when no limit was applied: Redis is not configured, or did not answer. */
  skipped?: "disabled" | "unavailable";
}

export interface ConsumeOptions {
  /** Names the kind of limit, e.g. "api", "principal", "sign-in-ip"; part of the Redis key. */
  bucket: string;
  /** Who is limited inside the bucket (tenant slug, principal id, ...). Never an email in clear. */
  key: string;
  limit: number;
  windowSeconds: number;
  /** What to answer when Redis does not: let the call through, or refuse it. */
  onFailure: "open" | "closed";
}

/** Bounds on the isolate's memory: limiter instances and blocked identifiers. */
const MAX_LIMITERS = 1_000;
const MAX_BLOCKED = 10_000;

const bucketPattern = /^[a-z0-9-]{1,32}$/;

interface State {
  /** The client the state below belongs to; a new client (tests, env change) starts afresh. */
  redis: Redis;
  limiters: Map<string, Ratelimit>;
  /** @upstash/ratelimit's in-memory cache of exhausted identifiers (saves Redis calls). */
  blocked: Map<string, number>;
}

let state: State | undefined;
let loggedDisabled = false;

function stateFor(redis: Redis): State {
  if (state?.redis !== redis) state = { redis, limiters: new Map(), blocked: new Map() };
  return state;
}

function limiterFor(s: State, bucket: string, limit: number, windowSeconds: number): Ratelimit {
  const prefix = `${edgeEnv().REDIS_KEY_PREFIX}ratelimit:${bucket}`;
  const id = `${prefix}|${limit}|${windowSeconds}`;
  let limiter = s.limiters.get(id);
  if (!limiter) {
    if (s.limiters.size >= MAX_LIMITERS) s.limiters.clear();
    limiter = new Ratelimit({
      redis: s.redis,
      // The prefix has no limit in it, so changing a tenant's limit keeps its count.
      prefix,
      limiter: Ratelimit.slidingWindow(limit, `${windowSeconds} s`),
      ephemeralCache: s.blocked,
      // Our own timeout below: the library's one answers "allowed", even for sign-in.
      timeout: 0,
      analytics: false,
      enableTelemetry: false,
    });
    s.limiters.set(id, limiter);
  }
  if (s.blocked.size > MAX_BLOCKED) s.blocked.clear();
  return limiter;
}

function unavailable(opts: ConsumeOptions, now: number): RateLimitResult {
  if (opts.onFailure === "open") return { allowed: true, limit: opts.limit, remaining: opts.limit, resetSeconds: 0, skipped: "unavailable" };
  return { allowed: false, limit: opts.limit, remaining: 0, resetSeconds: Math.max(1, Math.ceil((gate.downUntil - now) / 1000)), skipped: "unavailable" };
}

/** Redis for a limit call, or the answer to give without it (not configured, backing off). */
function backend(opts: ConsumeOptions): { limiter: Ratelimit } | { answer: RateLimitResult } {
  if (!bucketPattern.test(opts.bucket)) throw new Error(`rate-limit bucket "${opts.bucket}" must be 1-32 of a-z, 0-9, -`);
  if (!Number.isInteger(opts.limit) || opts.limit < 1 || !Number.isInteger(opts.windowSeconds) || opts.windowSeconds < 1)
    throw new Error("rate-limit limit and windowSeconds must be positive integers");

  const tcp = tcpRedis();
  const redis = tcp ? ratelimitRedis(tcp) : null;
  if (!redis && opts.onFailure === "closed" && process.env.NODE_ENV === "production") {
    // Production has no business running without Redis (/api/ready says 503): the
    // strict limits (sign-in) stay closed rather than silently off.
    if (!loggedDisabled) {
      log().error({ component: "ratelimit" }, "Redis is not configured in production: sign-in is refused until it is (UPSTASH_REDIS_REST_URL).");
      loggedDisabled = true;
    }
    return { answer: { allowed: false, limit: opts.limit, remaining: 0, resetSeconds: 5, skipped: "unavailable" } };
  }
  if (!redis) {
    if (!loggedDisabled) {
      log().warn({ component: "ratelimit" }, "Redis is not configured (UPSTASH_REDIS_REST_URL): rate limits are disabled.");
      loggedDisabled = true;
    }
    return { answer: { allowed: true, limit: opts.limit, remaining: opts.limit, resetSeconds: 0, skipped: "disabled" } };
  }
  loggedDisabled = false; // re-armed: a later switch back to "not configured" is reported again

  gate.bind(tcp!); // the connection, shared with hot-limits: a new one starts afresh
  const s = stateFor(redis);
  const started = Date.now();
  if (gate.skipping(started)) return { answer: unavailable(opts, started) };
  return { limiter: limiterFor(s, opts.bucket, opts.limit, opts.windowSeconds) };
}

async function ask(
  opts: ConsumeOptions,
  call: (limiter: Ratelimit) => Promise<{ success: boolean; remaining: number; reset: number }>,
): Promise<RateLimitResult> {
  const b = backend(opts);
  if ("answer" in b) return b.answer;
  try {
    const ms = edgeEnv().RATELIMIT_TIMEOUT_MS;
    const res = await withTimeout(call(b.limiter), ms, () => new Error(`no answer within ${ms} ms`));
    return {
      allowed: res.success,
      limit: opts.limit,
      remaining: Math.max(0, res.remaining),
      resetSeconds: Math.max(0, Math.ceil((res.reset - Date.now()) / 1000)),
    };
  } catch (err) {
    const now = Date.now();
    gate.failed(err, now);
    return unavailable(opts, now);
  }
}

/** Takes one token from the bucket. */
export function consume(opts: ConsumeOptions): Promise<RateLimitResult> {
  return ask(opts, (limiter) => limiter.limit(opts.key));
}

/** Looks at the bucket without taking a token: `allowed` while at least one is left. */
export function peek(opts: ConsumeOptions): Promise<RateLimitResult> {
  return ask(opts, async (limiter) => {
    const res = await limiter.getRemaining(opts.key);
    return { success: res.remaining > 0, remaining: res.remaining, reset: res.reset };
  });
}
