// Finds a Redis for the dev stack and tests: REDIS_URL if it answers, else a local
// redis-server started from the PATH. Returns null when there is none at all.
import { spawn, type ChildProcess, spawnSync } from "node:child_process";
import { Redis as IORedis } from "ioredis";

export interface RunningRedis {
  url: string;
  startedByUs: boolean;
  stop(): Promise<void>;
}

export async function redisAnswers(url: string): Promise<boolean> {
  const client = new IORedis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Removes a test run's keys (SCAN, never KEYS or FLUSHDB on a shared server). */
export async function deleteKeys(url: string, match: string): Promise<void> {
  const client = new IORedis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 1 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", match, "COUNT", 1000);
      cursor = next;
      if (keys.length) await client.del(...keys);
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}

function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

export async function ensureRedis(url: string, options: { port?: number } = {}): Promise<RunningRedis | null> {
  if (await redisAnswers(url)) return { url, startedByUs: false, stop: async () => undefined };
  // Only start a server where REDIS_URL says one should be on this machine.
  const { hostname } = new URL(url);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(hostname) || !onPath("redis-server")) return null;
  const port = options.port ?? Number(new URL(url).port || 6379);
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const localUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(localUrl)) {
      return {
        url: localUrl,
        startedByUs: true,
        stop: async () => {
          child.kill("SIGTERM");
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  return null;
}
