// Readiness of each component, for /api/ready and the dev console, with how long each
// probe took. Each probe is bounded by a short timeout so a dead dependency answers
// "down", not a hang.
import { withTimeout } from "@/lib/async/with-timeout";
import { getPool } from "@/lib/db/pool";
import { serverEnv } from "@/lib/env";
import { getRedis } from "@/lib/redis/client";

export type ComponentStatus = "ok" | "down" | "disabled";

export interface ComponentReadiness {
  status: ComponentStatus;
  /** How long the probe took (a down dependency: until it failed or timed out); absent when not probed. */
  latencyMs?: number;
  detail?: string;
}

export interface Readiness {
  status: "ok" | "degraded" | "down";
  components: Record<"database" | "redis" | "workflows", ComponentReadiness>;
}

const PROBE_TIMEOUT_MS = 1_000;

async function probe(fn: () => Promise<unknown>): Promise<ComponentReadiness> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    await withTimeout(fn(), PROBE_TIMEOUT_MS, () => new Error("timed out"));
    return { status: "ok", latencyMs: elapsed() };
  } catch (err) {
    return { status: "down", latencyMs: elapsed(), detail: err instanceof Error ? err.message : String(err) };
  }
}

export async function checkReadiness(): Promise<Readiness> {
  const env = serverEnv();
  const redis = getRedis();
  const [database, redisStatus] = await Promise.all([
    probe(() => getPool().query("SELECT 1")),
    redis ? probe(() => redis.ping()) : Promise.resolve({ status: "disabled" as const, detail: "UPSTASH_REDIS_REST_URL is not set" }),
  ]);
  const workflows = env.INNGEST_BASE_URL
    ? await probe(async () => {
        const res = await fetch(env.INNGEST_BASE_URL as string, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
      })
    : env.INNGEST_SIGNING_KEY
      ? { status: "ok" as const, detail: "Inngest Cloud (INNGEST_BASE_URL unset; not probed)" }
      : { status: "disabled" as const, detail: "no workflow engine configured (INNGEST_BASE_URL and INNGEST_SIGNING_KEY unset)" };

  // Redis is optional in development (features degrade), required in production.
  const redisRequired = env.NODE_ENV === "production";
  let status: Readiness["status"] = "ok";
  if (database.status !== "ok" || (redisRequired && redisStatus.status !== "ok")) status = "down";
  else if (redisStatus.status !== "ok" || workflows.status === "down") status = "degraded";
  return { status, components: { database, redis: redisStatus, workflows } };
}
