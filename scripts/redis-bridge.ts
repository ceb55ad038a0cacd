// npm run redis:bridge
// Serves the Upstash REST protocol over a local Redis so @upstash/redis and
// @upstash/ratelimit work in development. Point the app at it with
// UPSTASH_REDIS_REST_URL=<printed url> and the same UPSTASH_REDIS_REST_TOKEN.
//   REDIS_URL                 default redis://127.0.0.1:6379
//   UPSTASH_REDIS_REST_TOKEN  required; clients must send it as a Bearer token
//   REDIS_BRIDGE_PORT         default 8079 (0 = any free port)
//   REDIS_BRIDGE_HOST         default 127.0.0.1
import { EnvError, toolingEnv, type ToolingEnv } from "@/lib/env";
import { startRedisRestBridge } from "@/lib/redis/rest-bridge";

function fail(message: string): never {
  console.error(`redis-bridge: ${message}`);
  process.exit(2);
}

/** The Redis URL without its password, for printing. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable REDIS_URL)";
  }
}

let env: ToolingEnv;
try {
  env = toolingEnv();
} catch (err) {
  fail(err instanceof EnvError ? err.message : String(err));
}
const { REDIS_URL: redisUrl, UPSTASH_REDIS_REST_TOKEN: token, REDIS_BRIDGE_PORT: port, REDIS_BRIDGE_HOST: host } = env;
if (!token) fail("UPSTASH_REDIS_REST_TOKEN is not set; clients must present it as their Bearer token");

let bridge: Awaited<ReturnType<typeof startRedisRestBridge>>;
try {
  bridge = await startRedisRestBridge({ redisUrl, token, port, host });
} catch (err) {
  console.error(`redis-bridge: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
console.log(`redis-bridge: ${bridge.url} -> ${redact(redisUrl)}`);
console.log(`UPSTASH_REDIS_REST_URL=${bridge.url}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1); // second Ctrl-C: give up waiting
    stopping = true;
    bridge.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`redis-bridge: close failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  });
}
