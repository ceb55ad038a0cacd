// Hourly request tallies per tenant, counted by the rate-limit script (hot-limits.ts) in
// the call it makes anyway, and read by the operator console: the sum of the current
// hour and the 23 before it ("last 24 h", to the hour). Kept 25 h in Redis. Without
// Redis there is no tally (null), never a guess.
import { redisKey, tcpRedis } from "@/lib/redis/tcp-client";

export const tallyHour = (now: number) => Math.floor(now / 3_600_000);

export function tallyKey(name: string, hour: number): string {
  return redisKey(`tally:${name}:${hour}`);
}

/** name -> requests in the current hour and the 23 before it; null when Redis is unavailable. */
export async function readTallies(names: string[], now = Date.now()): Promise<Map<string, number> | null> {
  const redis = tcpRedis();
  if (!redis) return null;
  if (names.length === 0) return new Map();
  const hour = tallyHour(now);
  const keys = names.flatMap((name) => Array.from({ length: 24 }, (_, i) => tallyKey(name, hour - i)));
  try {
    const values = await redis.mget(...keys);
    const out = new Map<string, number>();
    names.forEach((name, n) => {
      let sum = 0;
      for (let i = 0; i < 24; i++) sum += Number(values[n * 24 + i] ?? 0);
      out.set(name, sum);
    });
    return out;
  } catch {
    return null;
  }
}
