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
// In production (self-hosted Redis instead of Upstash) keep it on a private network or
// behind TLS termination: it speaks plain HTTP, multiplexes one Redis connection and
// has no per-command ACLs beyond refusing connection-state commands.
import { safeEqual } from "@/lib/crypto/compare";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { BridgeError, isBlocking, parseCommand, parseCommandList, prepare, type Prepared } from "./bridge/commands";
import { encodeReply, type Json } from "./bridge/encode-reply";
import { ScriptShas } from "./bridge/scripts";
import { log } from "@/lib/observability/logger";

export { rewriteScript } from "./bridge/scripts";

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

type Reply = { result: Json } | { error: string };

const MAX_BODY_BYTES = 10 * 1024 * 1024;

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
  const expectedHeader = `Bearer ${opts.token}`;
  const shas = new ScriptShas();
  const blockingConnections = new Set<Redis>();

  // Fail fast when Redis is down instead of queueing requests for a long time.
  const redis = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  let lastRedisError = "";
  redis.on("error", (err: Error) => {
    // Only the message (never the URL, which may hold a password), once per kind.
    if (err.message === lastRedisError) return;
    lastRedisError = err.message;
    log().error({ component: "redis-bridge", reason: err.message }, "redis error");
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
    return header !== undefined && safeEqual(header, expectedHeader);
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
  const pipeline = (commands: string[][], base64: boolean): Promise<Reply[]> => Promise.all(commands.map((command) => one(command, base64)));

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
      log().error({ component: "redis-bridge", reason: errorMessage(err) }, "internal error");
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
