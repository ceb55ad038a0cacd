// @upstash/ratelimit over the Node side's TCP connection (ioredis) instead of HTTP: the
// library only runs its Lua scripts (EVALSHA, EVAL on NOSCRIPT), so a two-method
// adapter is all it needs. Open-source Redis refuses the Upstash-only script flag
// `allow-key-locking`, so scripts are rewritten as the REST bridge does.
import type { Redis as UpstashRedis } from "@upstash/redis";
import type { Redis } from "ioredis";
import { ScriptShas } from "@/lib/redis/bridge/scripts";

type Arg = string | number;

interface ScriptRunner {
  evalsha(sha: string, keys: string[], args: Arg[]): Promise<unknown>;
  eval(script: string, keys: string[], args: Arg[]): Promise<unknown>;
}

const adapters = new WeakMap<Redis, UpstashRedis>();

export function ratelimitRedis(redis: Redis): UpstashRedis {
  let adapter = adapters.get(redis);
  if (!adapter) {
    const shas = new ScriptShas();
    const runner: ScriptRunner = {
      evalsha: (sha, keys, args) => redis.evalsha(shas.translate(sha), keys.length, ...keys, ...args),
      eval: (script, keys, args) => redis.eval(shas.load(script).script, keys.length, ...keys, ...args),
    };
    // The library is typed against the whole Upstash client; it calls only these two.
    adapter = runner as unknown as UpstashRedis;
    adapters.set(redis, adapter);
  }
  return adapter;
}
