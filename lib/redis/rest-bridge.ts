// Local stand-in for Upstash's REST API: speaks the HTTP protocol @upstash/redis
// (and so @upstash/ratelimit) uses, backed by a plain Redis 7 through ioredis, so
// Edge code runs unchanged in development and tests. Protocol, as read from the
// @upstash/redis 1.39 client:
//   POST /            body ["SET","k","v"]        -> {result} | 400 {error}
//   POST /pipeline    body [[...],[...]]          -> [{result}|{error}, ...]
//   POST /multi-exec  same, run as MULTI/EXEC     -> same shape (400 if aborted)
//   Authorization: Bearer <token>; with "Upstash-Encoding: base64" every string in
//   a result (nested arrays too) is base64 of its bytes; integers stay numbers and
//   nil is null. Error messages are never encoded.
// Not for production: no TLS, one shared connection, no per-command ACLs.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";

export interface RedisRestBridgeOptions {
  redisUrl: string;
  token: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
}

export interface RedisRestBridge {
  url: string;
  port: number;
  close(): Promise<void>;
}

type Json = string | number | null | Json[];
type Reply = { result: Json } | { error: string };

/** A command ready for ioredis, plus an optional fix-up of its raw reply. */
interface Prepared {
  name: string;
  args: string[];
  mapReply?: (reply: unknown) => unknown;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_SCRIPT_SHAS = 1000;

// They change the state of the one shared connection (or never reply), which
// would corrupt every other caller's requests.
const CONNECTION_STATE = new Set([
  "AUTH", "CLIENT", "DISCARD", "EXEC", "HELLO", "MONITOR", "MULTI", "PSUBSCRIBE", "PSYNC",
  "PUNSUBSCRIBE", "QUIT", "REPLCONF", "RESET", "SELECT", "SSUBSCRIBE", "SUBSCRIBE",
  "SUNSUBSCRIBE", "SYNC", "UNSUBSCRIBE", "UNWATCH", "WATCH",
]);
// They can stall the shared connection for their whole timeout, so outside a
// transaction they run on a short-lived connection of their own.
const BLOCKING = new Set([
  "BLMOVE", "BLMPOP", "BLPOP", "BRPOP", "BRPOPLPUSH", "BZMPOP", "BZPOPMAX", "BZPOPMIN", "WAIT",
  "WAITAOF",
]);

class BridgeError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const sha1 = (text: string): string => createHash("sha1").update(text, "utf8").digest("hex");
const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/**
 * Open-source Redis rejects the Upstash-only shebang flag `allow-key-locking`
 * (@upstash/ratelimit >= 2.1 starts every script with `#!lua flags=allow-key-locking`).
 * Drop just that flag; the line stays so Lua error line numbers still match.
 */
export function rewriteScript(script: string): string {
  const eol = script.indexOf("\n");
  const line = eol === -1 ? script : script.slice(0, eol);
  if (!line.startsWith("#!") || !line.includes("allow-key-locking")) return script;
  const words = line.slice(2).trim().split(/\s+/).flatMap((word) => {
    if (!word.startsWith("flags=")) return [word];
    const flags = word.slice("flags=".length).split(",").filter((f) => f !== "" && f !== "allow-key-locking");
    return flags.length > 0 ? [`flags=${flags.join(",")}`] : [];
  });
  return `#!${words.join(" ")}${eol === -1 ? "" : script.slice(eol)}`;
}

/**
 * Clients compute EVALSHA hashes from the script text they hold (the ratelimit
 * ships them precomputed), but Redis knows the rewritten script under another
 * sha. Remember original -> rewritten for every script we rewrote.
 */
class ScriptShas {
  private readonly map = new Map<string, string>();

  /** Rewrites the script, records the sha pair and returns the original sha. */
  load(script: string): { script: string; originalSha: string } {
    const rewritten = rewriteScript(script);
    const originalSha = sha1(script);
    if (rewritten !== script) {
      this.map.delete(originalSha);
      this.map.set(originalSha, sha1(rewritten));
      // Bounded: drop the oldest entry. Worst case is a NOSCRIPT, which makes the
      // client fall back to EVAL and re-register the pair.
      if (this.map.size > MAX_SCRIPT_SHAS) this.map.delete(this.map.keys().next().value!);
    }
    return { script: rewritten, originalSha };
  }

  translate(sha: string): string {
    return this.map.get(sha.toLowerCase()) ?? sha;
  }
}

function parseCommand(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BridgeError(400, "ERR a command must be a non-empty JSON array");
  }
  return value.map((arg: unknown) => {
    // The client sends numbers and booleans unquoted; Redis only takes strings.
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" || typeof arg === "boolean") return String(arg);
    throw new BridgeError(400, "ERR command arguments must be strings, numbers or booleans");
  });
}

function parseCommandList(value: unknown): string[][] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BridgeError(400, "ERR a pipeline must be a non-empty JSON array of commands");
  }
  return value.map(parseCommand);
}

/** Applies the script translation; throws (as a command error) for unsupported commands. */
function prepare(command: string[], shas: ScriptShas): Prepared {
  // Upper-case on purpose: ioredis keys its argument/reply transformers (hgetall to
  // an object, mset from an object, ...) on lower-case names.
  const name = command[0]!.toUpperCase();
  const args = command.slice(1);
  if (CONNECTION_STATE.has(name)) throw new Error(`ERR Command is not available: '${name}'`);
  if ((name === "EVAL" || name === "EVAL_RO") && args[0] !== undefined) {
    args[0] = shas.load(args[0]).script;
  } else if ((name === "EVALSHA" || name === "EVALSHA_RO") && args[0] !== undefined) {
    args[0] = shas.translate(args[0]);
  } else if (name === "SCRIPT") {
    const sub = args[0]?.toUpperCase();
    if (sub === "LOAD" && args[1] !== undefined) {
      const loaded = shas.load(args[1]);
      args[1] = loaded.script;
      // Hand back the sha of the text the client sent, which is what it will use.
      return { name, args, mapReply: () => Buffer.from(loaded.originalSha) };
    }
    if (sub === "EXISTS") return { name, args: args.map((a, i) => (i === 0 ? a : shas.translate(a))) };
  }
  return { name, args };
}

function isBlocking({ name, args }: Prepared): boolean {
  if (BLOCKING.has(name)) return true;
  return (name === "XREAD" || name === "XREADGROUP") && args.some((a) => a.toUpperCase() === "BLOCK");
}

/** ioredis Buffer replies -> JSON, base64-encoding every string when asked to. */
function encodeReply(reply: unknown, base64: boolean): Json {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((item: unknown) => encodeReply(item, base64));
  // Errors nested in arrays (e.g. from redis.pcall in Lua) become their message.
  const bytes = Buffer.isBuffer(reply)
    ? reply
    : Buffer.from(reply instanceof Error ? reply.message : String(reply), "utf8");
  return base64 ? bytes.toString("base64") : bytes.toString("utf8");
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) {
      reject(new BridgeError(413, "ERR request body too large"));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BridgeError(413, "ERR request body too large"));
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    ...(close ? { Connection: "close" } : {}),
  });
  res.end(text);
}

export async function startRedisRestBridge(opts: RedisRestBridgeOptions): Promise<RedisRestBridge> {
  if (!opts.token) throw new Error("startRedisRestBridge: token must not be empty");
  const host = opts.host ?? "127.0.0.1";
  const expectedDigest = sha256(`Bearer ${opts.token}`);
  const shas = new ScriptShas();
  const blockingConnections = new Set<Redis>();

  // Fail fast when Redis is down instead of queueing requests for a long time.
  const redis = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  let lastRedisError = "";
  redis.on("error", (err: Error) => {
    // Only the message (never the URL, which may hold a password), once per kind.
    if (err.message === lastRedisError) return;
    lastRedisError = err.message;
    console.error(`[redis-bridge] redis error: ${err.message}`);
  });
  redis.on("ready", () => (lastRedisError = ""));
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    // ioredis rejects with "Connection is closed."; the socket error says why.
    throw new Error(`cannot connect to Redis: ${lastRedisError || errorMessage(err)}`);
  }

  function isAuthorized(header: string | undefined): boolean {
    // Fixed-length digests: timingSafeEqual needs equal lengths and this leaks
    // neither the token nor its length.
    return header !== undefined && timingSafeEqual(sha256(header), expectedDigest);
  }

  async function run(cmd: Prepared): Promise<unknown> {
    if (!isBlocking(cmd)) return redis.callBuffer(cmd.name, ...cmd.args);
    const conn = redis.duplicate();
    blockingConnections.add(conn);
    try {
      return await conn.callBuffer(cmd.name, ...cmd.args);
    } finally {
      blockingConnections.delete(conn);
      conn.disconnect();
    }
  }

  async function one(command: string[], base64: boolean): Promise<Reply> {
    try {
      const prepared = prepare(command, shas);
      const reply = await run(prepared);
      return { result: encodeReply(prepared.mapReply ? prepared.mapReply(reply) : reply, base64) };
    } catch (err) {
      return { error: errorMessage(err) };
    }
  }

  // ioredis writes commands in call order on one connection, so issuing them all
  // at once is a real pipeline with replies in request order.
  const pipeline = (commands: string[][], base64: boolean): Promise<Reply[]> =>
    Promise.all(commands.map((command) => one(command, base64)));

  async function multiExec(commands: string[][], base64: boolean): Promise<Reply[]> {
    let prepared: Prepared[];
    try {
      prepared = commands.map((command) => prepare(command, shas));
    } catch (err) {
      throw new BridgeError(400, errorMessage(err));
    }
    // ioredis sends MULTI..EXEC in a single write, so other requests' commands
    // on the shared connection cannot land inside the transaction.
    const tx = redis.multi();
    for (const cmd of prepared) tx.callBuffer(cmd.name, ...cmd.args);
    let results: [Error | null, unknown][] | null;
    try {
      results = await tx.exec();
    } catch (err) {
      // EXECABORT: a command was rejected while queueing; say which error it was.
      const previous = (err as { previousErrors?: Error[] }).previousErrors?.[0];
      throw new BridgeError(400, previous ? `${errorMessage(err)} ${previous.message}` : errorMessage(err));
    }
    if (!results) throw new BridgeError(400, "EXECABORT Transaction aborted");
    return results.map(([err, reply], i): Reply => {
      if (err) return { error: err.message };
      const mapReply = prepared[i]!.mapReply;
      return { result: encodeReply(mapReply ? mapReply(reply) : reply, base64) };
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!.replace(/\/+$/, "") || "/";
    if (path === "/health" && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      return;
    }
    if (!isAuthorized(req.headers.authorization)) return send(res, 401, { error: "Unauthorized" });
    if (path !== "/" && path !== "/pipeline" && path !== "/multi-exec") {
      return send(res, 404, { error: "ERR unknown endpoint" });
    }
    if (req.method !== "POST") return send(res, 405, { error: "ERR only POST is supported" });

    let body: unknown;
    try {
      body = JSON.parse((await readBody(req)).toString("utf8"));
    } catch (err) {
      if (err instanceof BridgeError) return send(res, err.status, { error: err.message }, err.status === 413);
      return send(res, 400, { error: "ERR request body is not valid JSON" });
    }

    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    try {
      if (path === "/") {
        const reply = await one(parseCommand(body), base64);
        return send(res, "error" in reply ? 400 : 200, reply);
      }
      const commands = parseCommandList(body);
      send(res, 200, path === "/pipeline" ? await pipeline(commands, base64) : await multiExec(commands, base64));
    } catch (err) {
      if (err instanceof BridgeError) return send(res, err.status, { error: err.message });
      throw err;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Message only: it never contains command arguments or the token.
      console.error(`[redis-bridge] internal error: ${errorMessage(err)}`);
      if (!res.headersSent) send(res, 500, { error: "ERR internal bridge error" });
      else res.destroy();
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    redis.disconnect();
    throw err;
  }

  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // fetch keeps connections alive; without this close() waits for them to idle out.
        server.closeAllConnections();
        for (const conn of blockingConnections) conn.disconnect();
        await closed;
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
