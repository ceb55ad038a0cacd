// End-to-end: the real @upstash/redis and @upstash/ratelimit clients against the
// REST bridge over the local Redis (always database 9). Keys live under a prefix
// unique to this run and are deleted afterwards; nothing else in db 9 is touched.
import { createHash } from "node:crypto";
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { Redis as IORedis } from "ioredis";
import { Redis } from "@upstash/redis";
import { Ratelimit } from "@upstash/ratelimit";
import { rewriteScript, startRedisRestBridge, type RedisRestBridge } from "../lib/redis/rest-bridge";

const TOKEN = "test-token-" + Math.random().toString(36).slice(2);
const P = `bridge-test:${process.pid}:${Date.now()}:`;

function testRedisUrl(): string {
  const url = new URL(process.env.REDIS_URL || "redis://127.0.0.1:6379");
  url.pathname = "/9";
  return url.toString();
}

let bridge: RedisRestBridge;
let redis: Redis;
let direct: IORedis;

beforeAll(async () => {
  bridge = await startRedisRestBridge({ redisUrl: testRedisUrl(), token: TOKEN, port: 0 });
  redis = new Redis({ url: bridge.url, token: TOKEN, enableTelemetry: false });
  direct = new IORedis(testRedisUrl());
});

afterAll(async () => {
  const keys = await direct.keys(`${P}*`);
  if (keys.length > 0) await direct.del(...keys);
  direct.disconnect();
  await bridge.close();
});

/** Raw protocol access, to check what the client library hides. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const res = await fetch(bridge.url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const b64 = (s: string): string => Buffer.from(s).toString("base64");

describe("protocol", () => {
  it("serves /health without auth", async () => {
    const res = await fetch(`${bridge.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
  });

  it("requires the bearer token", async () => {
    expect(await post("/", ["PING"], { authorization: "" })).toEqual({ status: 401, json: { error: "Unauthorized" } });
    expect((await post("/", ["PING"], { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await post("/pipeline", [["PING"]], { authorization: TOKEN })).status).toBe(401);
  });

  it("base64-encodes strings, nested too, keeps integers and nil", async () => {
    await post("/", ["RPUSH", `${P}raw:list`, "a", "é"]);
    const enc = { "upstash-encoding": "base64" };
    expect(await post("/", ["LRANGE", `${P}raw:list`, 0, -1], enc)).toEqual({ status: 200, json: { result: [b64("a"), b64("é")] } });
    expect((await post("/", ["EVAL", "return {1, {'x', 2}, false}", "0"], enc)).json).toEqual({ result: [1, [b64("x"), 2], null] });
    expect((await post("/", ["GET", `${P}raw:none`], enc)).json).toEqual({ result: null });
    // Without the header strings are plain; numbers and booleans are stringified.
    expect((await post("/", ["SET", `${P}raw:n`, 5])).json).toEqual({ result: "OK" });
    expect((await post("/", ["INCRBY", `${P}raw:n`, 2])).json).toEqual({ result: 7 });
    expect((await post("/", ["SET", `${P}raw:b`, true])).json).toEqual({ result: "OK" });
    expect((await post("/", ["GET", `${P}raw:b`])).json).toEqual({ result: "true" });
  });

  it("reports errors per command in pipelines, with 400 for a single command", async () => {
    await post("/", ["SET", `${P}raw:s`, "text"]);
    const single = await post("/", ["INCR", `${P}raw:s`]);
    expect(single.status).toBe(400);
    expect(single.json).toEqual({ error: expect.stringMatching(/not an integer/) });
    const piped = await post("/pipeline", [
      ["INCR", `${P}raw:s`],
      ["GET", `${P}raw:s`],
    ]);
    expect(piped).toEqual({ status: 200, json: [{ error: expect.stringMatching(/not an integer/) }, { result: "text" }] });
  });

  it("rejects bad JSON, bad shapes, huge bodies and connection-state commands", async () => {
    expect((await post("/", "{nope")).status).toBe(400);
    expect((await post("/", { cmd: "PING" })).status).toBe(400);
    expect((await post("/", [])).status).toBe(400);
    expect((await post("/", ["SET", "k", { a: 1 }])).status).toBe(400);
    expect((await post("/pipeline", [])).status).toBe(400);
    const select = await post("/", ["SELECT", "0"]);
    expect(select).toEqual({ status: 400, json: { error: expect.stringMatching(/not available/) } });
    expect(
      (
        await post("/multi-exec", [
          ["SET", `${P}raw:tx`, "1"],
          ["WATCH", "x"],
        ])
      ).status,
    ).toBe(400);
    expect((await post("/", ["SET", `${P}raw:big`, "x".repeat(11 * 1024 * 1024)])).status).toBe(413);
  });

  it("aborts a transaction that Redis refuses to queue", async () => {
    const res = await post("/multi-exec", [["SET", `${P}raw:tx2`, "1"], ["NOSUCHCOMMAND"]]);
    expect(res).toEqual({ status: 400, json: { error: expect.stringMatching(/EXECABORT/) } });
    expect(await direct.exists(`${P}raw:tx2`)).toBe(0);
  });

  it("strips only the allow-key-locking shebang flag", () => {
    expect(rewriteScript("#!lua flags=allow-key-locking\nreturn 1")).toBe("#!lua\nreturn 1");
    expect(rewriteScript("#!lua flags=no-writes,allow-key-locking\nreturn 1")).toBe("#!lua flags=no-writes\nreturn 1");
    expect(rewriteScript("return 1")).toBe("return 1");
  });
});

describe("@upstash/redis client", () => {
  it("sets and gets strings, unicode, JSON and numbers", async () => {
    const obj = { name: "Zoë", tags: ["a", "b"], nested: { n: 1, ok: true } };
    await redis.set(`${P}s`, "hello");
    await redis.set(`${P}u`, "héllo wörld — 日本語 🚀");
    await redis.set(`${P}j`, obj);
    await redis.set(`${P}n`, 42);
    expect(await redis.get(`${P}s`)).toBe("hello");
    expect(await redis.get(`${P}u`)).toBe("héllo wörld — 日本語 🚀");
    expect(await redis.get(`${P}j`)).toEqual(obj);
    expect(await redis.get(`${P}n`)).toBe(42);
    expect(await redis.get(`${P}missing`)).toBeNull();
    // Stored as JSON text in Redis itself.
    expect(JSON.parse((await direct.get(`${P}j`))!)).toEqual(obj);
  });

  it("mget, hset/hgetall, incr, expire/ttl", async () => {
    await redis.mset({ [`${P}m1`]: "one", [`${P}m2`]: "two" });
    expect(await redis.mget<string[]>(`${P}m1`, `${P}m2`, `${P}m3`)).toEqual(["one", "two", null]);

    expect(await redis.hset(`${P}h`, { a: "x", b: 2, c: "ü" })).toBe(3);
    expect(await redis.hgetall(`${P}h`)).toEqual({ a: "x", b: 2, c: "ü" });

    expect(await redis.incr(`${P}c`)).toBe(1);
    expect(await redis.incr(`${P}c`)).toBe(2);
    expect(await redis.incrby(`${P}c`, 10)).toBe(12);

    expect(await redis.ttl(`${P}c`)).toBe(-1);
    expect(await redis.expire(`${P}c`, 100)).toBe(1);
    const ttl = await redis.ttl(`${P}c`);
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);
  });

  it("runs explicit pipelines", async () => {
    const res = await redis.pipeline().set(`${P}p`, "v").get(`${P}p`).incr(`${P}pc`).hset(`${P}ph`, { f: "1" }).exec();
    expect(res).toEqual(["OK", "v", 1, 1]);
    // An error in the middle fails exec(), or is kept per command when asked.
    const withError = redis.pipeline().incr(`${P}p`).get(`${P}p`);
    await expect(redis.pipeline().incr(`${P}p`).get(`${P}p`).exec()).rejects.toThrow(/not an integer/);
    const kept = await withError.exec({ keepErrors: true });
    expect(kept[0]!.error).toMatch(/not an integer/);
    expect(kept[1]).toEqual({ error: undefined, result: "v" });
  });

  it("runs multi() as a transaction", async () => {
    const res = await redis.multi().set(`${P}t`, 1).incr(`${P}t`).get(`${P}t`).exec();
    expect(res).toEqual(["OK", 2, 2]);
  });

  it("auto-pipelines concurrent calls", async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `${P}ap:${i}`);
    await Promise.all(keys.map((k, i) => redis.set(k, `v${i}`)));
    const counter = redis as unknown as { pipelineCounter: number };
    const before = counter.pipelineCounter;
    const values = await Promise.all(keys.map((k) => redis.get(k)));
    expect(values).toEqual(keys.map((_, i) => `v${i}`));
    expect(counter.pipelineCounter - before).toBeLessThanOrEqual(2);
  });

  it("throws with a wrong token", async () => {
    const bad = new Redis({ url: bridge.url, token: "wrong", enableTelemetry: false, enableAutoPipelining: false });
    await expect(bad.get(`${P}s`)).rejects.toThrow(/Unauthorized/);
    const badAuto = new Redis({ url: bridge.url, token: "wrong", enableTelemetry: false });
    await expect(badAuto.get(`${P}s`)).rejects.toThrow(/Unauthorized/);
  });

  it("evaluates Lua, including scripts with the Upstash shebang via EVALSHA", async () => {
    expect(await redis.eval("return {KEYS[1], ARGV[1], 3}", [`${P}k`], ["arg"])).toEqual([`${P}k`, "arg", 3]);

    const text = `#!lua flags=allow-key-locking\nreturn redis.call("INCR", KEYS[1])\n-- ${P}`;
    const sha = createHash("sha1").update(text).digest("hex");
    const script = redis.createScript<number>(text);
    expect(await script.exec([`${P}lua`], [])).toBe(1); // NOSCRIPT, then EVAL fallback
    expect(await redis.evalsha(sha, [`${P}lua`], [])).toBe(2); // now by the client's own sha
    expect(await redis.scriptExists(sha)).toEqual([1]);

    const loadedText = `#!lua flags=allow-key-locking\nreturn ARGV[1] .. "!"\n-- ${P}`;
    const loadedSha = await redis.scriptLoad(loadedText);
    expect(loadedSha).toBe(createHash("sha1").update(loadedText).digest("hex"));
    expect(await redis.evalsha(loadedSha, [], ["hi"])).toBe("hi!");
    await expect(redis.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });
});

describe("@upstash/ratelimit", () => {
  const limiters = {
    slidingWindow: Ratelimit.slidingWindow(3, "10 s"),
    fixedWindow: Ratelimit.fixedWindow(3, "10 s"),
    tokenBucket: Ratelimit.tokenBucket(1, "10 s", 3),
  };

  for (const [name, limiter] of Object.entries(limiters)) {
    it(`${name}: allows 3, refuses the 4th, identifiers are independent`, async () => {
      const ratelimit = new Ratelimit({
        redis,
        limiter,
        prefix: `${P}rl:${name}`,
        analytics: false,
        // Make every call reach Redis instead of the in-memory block cache.
        ephemeralCache: false,
      });
      // Window limiters bucket by floor(now / 10 s): crossing a bucket edge mid-test
      // would legitimately hand out fresh tokens, so start well inside a bucket.
      const intoWindow = Date.now() % 10_000;
      if (intoWindow > 8_000) await new Promise((r) => setTimeout(r, 10_100 - intoWindow));
      const start = Date.now();
      const results = [];
      for (let i = 0; i < 4; i++) {
        const res = await ratelimit.limit("alice");
        await res.pending;
        results.push(res);
      }
      expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
      for (const r of results) {
        expect(r.limit).toBe(3);
        expect(r.reason).toBeUndefined(); // not "timeout": Redis really answered
        expect(r.reset).toBeGreaterThan(start - 10_000);
        expect(r.reset).toBeLessThanOrEqual(Date.now() + 10_000);
      }
      expect(results[3]!.reset).toBeGreaterThan(start - 1);

      const bob = await ratelimit.limit("bob");
      expect(bob.success).toBe(true);
      expect(bob.remaining).toBe(2);

      expect((await ratelimit.getRemaining("alice")).remaining).toBe(0);
      await ratelimit.resetUsedTokens("alice");
      expect((await ratelimit.limit("alice")).success).toBe(true);
    });
  }
});
