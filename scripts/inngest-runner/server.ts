// The runner's HTTP surface:
//   POST /e/<eventKey>   event intake -> { ids, status: 200 }            (SDK send())
//   POST /fn/register    function sync -> { ok, modified, status: 200 }  (SDK, on PUT)
//   POST /sync           make the runner PUT the app now
//   GET  /health         200
//   GET  /runs, /runs/<id>, /functions   inspection
// Every body is zod-parsed; bad input gets a 400 with a JSON { error, status }.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { z } from "zod";
import { eventsBodySchema, type IncomingEvent } from "./events";
import { registerBodySchema } from "./registry";
import { bearerMatches, safeEqual } from "./signing";
import type { SyncResult } from "./sync";
import { errorMessage, type RunView } from "./types";

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface RunnerHandlers {
  eventKey?: string;
  signingKey?: string;
  serverKind: "dev" | "cloud";
  acceptEvents(events: IncomingEvent[], seed?: string): string[];
  register(body: z.infer<typeof registerBodySchema>): { modified: boolean };
  sync(): Promise<SyncResult>;
  runs(): RunView[];
  run(id: string): RunView | undefined;
  functions(): unknown;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) throw new HttpError(413, "request body too large");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "request body too large");
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `body is not valid JSON: ${errorMessage(err)}`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, `invalid ${what}: ${z.prettifyError(result.error)}`);
  return result.data;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function createRunnerServer(h: RunnerHandlers): Server {
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://runner.invalid");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    const only = (allowed: string): void => {
      if (method !== allowed) throw new HttpError(405, `use ${allowed} for ${path}`);
    };

    if (path === "/health" || path === "/") {
      only("GET");
      return send(res, 200, { status: "ok", mode: h.serverKind });
    }
    if (path.startsWith("/e/")) {
      only("POST");
      const key = decodeURIComponent(path.slice(3));
      if (h.eventKey !== undefined && !safeEqual(key, h.eventKey)) {
        return send(res, 401, { error: "Event key not found", status: 401 });
      }
      const events = parse(eventsBodySchema, await readJson(req), "event payload");
      const ids = h.acceptEvents(events, header(req, "x-inngest-event-id-seed"));
      return send(res, 200, { ids, status: 200 });
    }
    if (path === "/fn/register") {
      only("POST");
      if (h.signingKey !== undefined && !bearerMatches(header(req, "authorization"), h.signingKey)) {
        return send(res, 401, { error: "the SDK's signing key does not match the runner's (Authorization bearer)", status: 401 });
      }
      const expected = header(req, "x-inngest-expected-server-kind");
      if (expected && expected !== h.serverKind) {
        return send(res, 400, { error: `the app expected a ${expected} server; this runner is in ${h.serverKind} mode`, status: 400 });
      }
      const body = parse(registerBodySchema, await readJson(req), "registration");
      const { modified } = h.register(body);
      return send(res, 200, { ok: true, modified, status: 200 });
    }
    if (path === "/sync") {
      only("POST");
      const result = await h.sync();
      return send(res, result.ok ? 200 : 502, result);
    }
    if (path === "/runs") {
      only("GET");
      return send(res, 200, { runs: h.runs() });
    }
    if (path.startsWith("/runs/")) {
      only("GET");
      const run = h.run(decodeURIComponent(path.slice(6)));
      return run ? send(res, 200, run) : send(res, 404, { error: "run not found", status: 404 });
    }
    if (path === "/functions") {
      only("GET");
      return send(res, 200, { functions: h.functions() });
    }
    send(res, 404, { error: `no route for ${method} ${path}`, status: 404 });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) send(res, status, { error: errorMessage(err), status });
      else res.destroy();
    });
  });
  server.on("clientError", (_err, socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
  return server;
}
