// The one @upstash/redis (HTTP) client: the Edge middleware's hostname mirror, and on the
// Node side only what is off the request path (mirror writes, readiness, circuit
// state). The request path uses ./tcp-client.ts. Requests fail fast: a short timeout and
// no client retries, so a Redis outage degrades features instead of adding seconds to
// every request. Returns null when Redis is not configured.
import { Redis } from "@upstash/redis";
import { edgeEnv } from "@/lib/env";

let client: Redis | null | undefined;

export function getRedis(): Redis | null {
  if (client === undefined) {
    const env = edgeEnv();
    client =
      env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN
        ? new Redis({
            url: env.UPSTASH_REDIS_REST_URL,
            token: env.UPSTASH_REDIS_REST_TOKEN,
            retry: false,
            signal: () => AbortSignal.timeout(env.REDIS_TIMEOUT_MS),
            // Values are plain strings we wrote ourselves; skip JSON guessing.
            automaticDeserialization: false,
          })
        : null;
  }
  return client;
}

/** For tests that switch Redis on and off by changing the environment. */
export function resetRedisClient(): void {
  client = undefined;
}
