// The circuit breaker of each integration, its state in Redis so every instance sees
// the same one. Each decision is one Lua script, so two instances can never both open
// the circuit, both run the half-open trial, or lose a failure between read and write.
//
//   closed --failureThreshold consecutive failures--> open --openSeconds--> half-open
//   half-open: the first caller to take the trial lock (SET NX PX) makes one attempt;
//   success closes (counts reset), failure re-opens for another openSeconds.
//
// Redis down, slow or not configured: the breaker steps aside (calls go through, state
// "unknown"), skips Redis for a few seconds after a failure, and says so at most once a
// minute (lib/redis/outage-gate.ts, as the rate limiter does).
import { randomUUID } from "node:crypto";
import type { Redis } from "@upstash/redis";
import { edgeEnv } from "@/lib/env";
import { withTimeout } from "@/lib/async/with-timeout";
import { getRedis } from "@/lib/redis/client";
import { BACKOFF_MS, RedisOutageGate } from "@/lib/redis/outage-gate";

export type CircuitStateName = "closed" | "open" | "half-open" | "unknown";

export interface CircuitSnapshot {
  state: CircuitStateName;
  failures: number;
  openedAt?: Date;
  retryAt?: Date;
}

/** The breaker's answer before an attempt. */
export interface Admission {
  allowed: boolean;
  /** This attempt is the half-open trial; its outcome closes or re-opens the circuit. */
  trial: boolean;
  /** Ownership of the trial lock. */
  token: string;
  state: CircuitStateName;
  retryAt?: number;
}

export type Transition = "opened" | "reopened" | "closed" | "none";

export interface CircuitConfig {
  failureThreshold: number;
  openSeconds: number;
}

/** Idle state expires: a circuit nobody used for a day starts closed again. */
const IDLE_TTL_MS = 24 * 3600 * 1000;

// KEYS: circuit hash, trial lock. ARGV: now, token, trial lock ttl.
// Returns {decision, retryAt, failures}.
const admitScript = `
local state = redis.call('HGET', KEYS[1], 'state')
local failures = redis.call('HGET', KEYS[1], 'failures') or '0'
if state ~= 'open' then return {'closed', '0', failures} end
local retryAt = redis.call('HGET', KEYS[1], 'retryAt') or '0'
if tonumber(ARGV[1]) < tonumber(retryAt) then return {'open', retryAt, failures} end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {'trial', retryAt, failures} end
return {'half-open', retryAt, failures}
`;

// KEYS: circuit hash, trial lock. ARGV: now, ok (1|0), trial (1|0), token, threshold, open ms, idle ttl.
// Returns {transition, state}.
const recordScript = `
local now = tonumber(ARGV[1])
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local function dropLock()
  if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
end
if ARGV[2] == '1' then
  if state == 'open' then
    -- Only the trial decides; a straggler admitted before the circuit opened does not.
    if ARGV[3] ~= '1' then return {'none', 'open'} end
    redis.call('DEL', KEYS[1])
    dropLock()
    return {'closed', 'closed'}
  end
  -- Consecutive failures: a success starts the count again.
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DEL', KEYS[1]) end
  return {'none', 'closed'}
end
if state == 'open' then
  if ARGV[3] ~= '1' then return {'none', 'open'} end
  redis.call('HINCRBY', KEYS[1], 'failures', 1)
  redis.call('HSET', KEYS[1], 'openedAt', now, 'retryAt', now + tonumber(ARGV[6]))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]) + tonumber(ARGV[7]))
  dropLock()
  return {'reopened', 'open'}
end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[1], 'state', 'open', 'openedAt', now, 'retryAt', now + tonumber(ARGV[6]))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]) + tonumber(ARGV[7]))
  return {'opened', 'open'}
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[7]))
return {'none', 'closed'}
`;

const gate = new RedisOutageGate(
  "circuit",
  (gist, more) => `[circuit] Redis unavailable: ${gist}. Circuit breakers step aside (calls go through); Redis is retried every ${BACKOFF_MS / 1000} s${more}.`,
);

function keys(slug: string, integrationId: string): [circuit: string, trial: string] {
  const circuit = `${edgeEnv().REDIS_KEY_PREFIX}circuit:${slug}:${integrationId}`;
  return [circuit, `${circuit}:trial`];
}

/** Runs a Redis operation, or answers undefined when Redis is not there (failing open). */
async function withRedis<T>(op: (redis: Redis) => Promise<T>): Promise<T | undefined> {
  const redis = getRedis();
  if (!redis) return undefined; // not configured: limiter.ts already says so once
  gate.bind(redis);
  if (gate.skipping(Date.now())) return undefined;
  const timeoutMs = edgeEnv().REDIS_TIMEOUT_MS;
  try {
    return await withTimeout(op(redis), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
  } catch (err) {
    gate.failed(err, Date.now());
    return undefined;
  }
}

const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

/** Asks whether an attempt may go out now. */
export async function admit(slug: string, integrationId: string, opts: { now: number; trialTtlMs: number }): Promise<Admission> {
  const token = randomUUID();
  const reply = await withRedis((r) => r.eval<unknown[], unknown>(admitScript, keys(slug, integrationId), [opts.now, token, opts.trialTtlMs]));
  if (!Array.isArray(reply)) return { allowed: true, trial: false, token, state: "unknown" };
  const [decision, retryAt] = [str(reply[0]), Number(str(reply[1]))];
  switch (decision) {
    case "closed":
      return { allowed: true, trial: false, token, state: "closed" };
    case "trial":
      return { allowed: true, trial: true, token, state: "half-open", retryAt };
    case "half-open":
      // Someone else's trial is in flight: wait for its verdict, briefly.
      return { allowed: false, trial: false, token, state: "half-open", retryAt };
    default:
      return { allowed: false, trial: false, token, state: "open", retryAt };
  }
}

/** Records the outcome of an admitted attempt; says whether the circuit changed. */
export async function recordOutcome(
  slug: string,
  integrationId: string,
  admission: Admission,
  ok: boolean,
  config: CircuitConfig & { now: number },
): Promise<{ transition: Transition; state: CircuitStateName }> {
  const reply = await withRedis((r) =>
    r.eval<unknown[], unknown>(recordScript, keys(slug, integrationId), [
      config.now,
      ok ? 1 : 0,
      admission.trial ? 1 : 0,
      admission.token,
      config.failureThreshold,
      config.openSeconds * 1000,
      IDLE_TTL_MS,
    ]),
  );
  if (!Array.isArray(reply)) return { transition: "none", state: "unknown" };
  const transition = str(reply[0]);
  const state = str(reply[1]) === "open" ? "open" : "closed";
  return { transition: transition === "opened" || transition === "reopened" || transition === "closed" ? transition : "none", state };
}

/** Hands back an unused trial (the attempt never went out), so another caller may run it. */
export async function releaseTrial(slug: string, integrationId: string, admission: Admission): Promise<void> {
  if (!admission.trial) return;
  const [, trial] = keys(slug, integrationId);
  await withRedis((r) => r.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", [trial], [admission.token]));
}

/** The circuit as a health check shows it. */
export async function circuitState(slug: string, integrationId: string, now: number = Date.now()): Promise<CircuitSnapshot> {
  const [circuit] = keys(slug, integrationId);
  // HMGET through eval: an array reply whatever the client's deserialisation settings.
  const reply = await withRedis((r) =>
    r.eval<unknown[], unknown>("return redis.call('HMGET', KEYS[1], 'state', 'failures', 'openedAt', 'retryAt')", [circuit], []),
  );
  if (!Array.isArray(reply)) return { state: "unknown", failures: 0 };
  const [state, failures, openedAt, retryAt] = [str(reply[0]), Number(str(reply[1])) || 0, Number(str(reply[2])), Number(str(reply[3]))];
  if (state !== "open") return { state: "closed", failures };
  return { state: now < retryAt ? "open" : "half-open", failures, openedAt: new Date(openedAt), retryAt: new Date(retryAt) };
}

/** Closes the circuit by hand (admins, tests). Throws when Redis does not answer: a reset that silently did nothing would mislead. */
export async function resetCircuit(slug: string, integrationId: string): Promise<void> {
  const redis = getRedis();
  if (!redis) return;
  await redis.del(...keys(slug, integrationId));
}
