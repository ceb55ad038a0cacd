// @ts-check
// `npm start`: the production server, one worker per core. `next start` is one process
// and so uses one core; here the primary forks WEB_CONCURRENCY workers (default: the
// number of cores), each running Next's request handler on the shared port (node:cluster
// hands connections round-robin). Workers share nothing in memory: tenants, sessions and
// rate limits live in PostgreSQL and Redis, and in-process caches are invalidated over
// Redis pub/sub. A worker that dies is replaced; SIGTERM/SIGINT drain and stop them all.
// Plain JavaScript so production needs no TypeScript loader.
// The peer address: Next gives route handlers no access to the socket, so each request
// gets `x-platform-peer` set here from the socket's address, overwriting any copy the
// client sent; lib/http/request-meta.ts uses it as the client address when no proxy is
// trusted (TRUSTED_PROXY_HOPS=0, the default). `--dev` runs `next dev` through the same
// path (one process, no cluster), so `npm run dev` behaves the same.
// Next's bare 405 (a method a route does not export) leaves here as problem+json with
// an Allow header (scripts/lib/method-not-allowed.mjs explains why it is done here).
//   npm start [-- -p 3000] [-H 0.0.0.0]     env: PORT, HOST, WEB_CONCURRENCY
//   node scripts/start.mjs --dev -H 127.0.0.1 -p 3000    (npm run dev passes HOST, default loopback)
import cluster from "node:cluster";
import { createServer } from "node:http";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" }, dev: { type: "boolean", default: false } },
  allowPositionals: false,
});
const dev = values.dev === true;
const port = Number(values.port ?? process.env.PORT ?? 3000);
const requestedHost = values.hostname ?? process.env.HOST ?? (dev ? "127.0.0.1" : "0.0.0.0");
// "localhost" could resolve to ::1 first; listen on the IPv4 loopback by number.
const hostname = requestedHost === "localhost" ? "127.0.0.1" : requestedHost;
/**
 * The name Next builds its own URLs on. Under `next dev` a loopback address must be
 * "localhost": Next normalises 127.0.0.1 to "localhost" in the URLs the middleware sees
 * but not in its router's origin, so a middleware rewrite would otherwise look external
 * and be proxied back to this server.
 */
const nextHostname = dev && hostname === "127.0.0.1" ? "localhost" : hostname;
const workers = dev ? 1 : Number(process.env.WEB_CONCURRENCY ?? availableParallelism());
if (!Number.isInteger(port) || port < 0 || port > 65_535 || !Number.isInteger(workers) || workers < 1 || workers > 64) {
  process.stderr.write("usage: npm start [-- -p <port>] [-H <hostname>]; WEB_CONCURRENCY must be 1-64\n");
  process.exit(2);
}
// @ts-expect-error NODE_ENV is typed read-only by Next's types; a production server sets it.
process.env.NODE_ENV = dev ? "development" : "production";
// Tells lib/http/request-meta.ts that x-platform-peer comes from this launcher (under a
// bare `next start` a client could write it, so there it is ignored).
process.env.PLATFORM_PEER_HEADER = "1";

/** The header this launcher sets from the socket; the Edge middleware passes it on untouched. */
const peerHeader = "x-platform-peer";

if (cluster.isPrimary && !dev) {
  let stopping = false;
  gatherWorkerMetrics();
  /** @type {number[]} */
  const recentDeaths = [];
  /** worker id -> its index, which a replacement inherits (PLATFORM_WORKER_INDEX). */
  const indexOf = new Map();
  const fork = (/** @type {number} */ index) => indexOf.set(cluster.fork({ PORT: String(port), PLATFORM_WORKER_INDEX: String(index) }).id, index);
  for (let i = 0; i < workers; i++) fork(i);
  cluster.on("exit", (worker, code, signal) => {
    const index = indexOf.get(worker.id) ?? 0;
    indexOf.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length && now - (recentDeaths[0] ?? now) > 60_000) recentDeaths.shift();
    process.stderr.write(`[start] worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`);
    // A worker that dies at start-up (bad configuration) would loop forever: give up.
    if (recentDeaths.length > workers * 5) {
      process.stderr.write("[start] workers keep dying; stopping\n");
      process.exit(1);
    }
    setTimeout(() => fork(index), Math.min(5_000, 250 * recentDeaths.length));
  });
  const stop = (/** @type {NodeJS.Signals} */ signal) => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    // Whatever is still running after 10 s is ended.
    setTimeout(() => process.exit(0), 10_000).unref();
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGTERM"));
  process.stdout.write(`[start] http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port} with ${workers} worker(s)\n`);
} else {
  const { default: next } = await import("next");
  const { problemFor405 } = await import("./lib/method-not-allowed.mjs");
  const as405Problem = problemFor405(fileURLToPath(new URL("./lib/api-route-methods.json", import.meta.url)));
  /** @type {import("node:http").RequestListener} */
  const listener = (req, res) => {
    // Any incoming copy is the client's word: replace it with what the socket says.
    const peer = req.socket.remoteAddress;
    if (peer) req.headers[peerHeader] = peer;
    else delete req.headers[peerHeader];
    as405Problem(res);
    handle(req, res).catch((/** @type {unknown} */ err) => {
      process.stderr.write(`[start] unhandled request error: ${err instanceof Error ? err.message : String(err)}\n`);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  };
  const server = createServer(listener);
  const app = next({ dev, dir: process.cwd(), hostname: nextHostname, port, httpServer: server });
  const handle = app.getRequestHandler();
  await app.prepare();
  // Longer than common load balancers' idle timeout, so they close idle connections first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.listen(port, hostname);
  // The same words as `next dev` prints, which tools (and test/dev-command.test.ts) wait for.
  if (dev)
    server.once("listening", () => process.stdout.write(`[start] Ready in ${Math.round(performance.now())} ms: next dev on http://${hostname}:${port}\n`));
  const stopWorker = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 8_000).unref();
  };
  process.on("SIGTERM", stopWorker);
  if (dev) process.on("SIGINT", stopWorker);
}

/**
 * /api/metrics under the cluster (lib/observability/cluster-metrics.ts): the worker that
 * got the scrape asks here; this asks every worker that said it is ready for its
 * registry (prom-client's worker protocol), sums them with prom-client's
 * AggregatorRegistry.aggregate and answers the asking worker. A worker that does not
 * answer within 3 s is left out of that scrape rather than failing it.
 */
function gatherWorkerMetrics() {
  /** @type {Set<number>} */
  const ready = new Set();
  /** @type {Map<number, { responses: unknown[], pending: number, done: () => void }>} */
  const requests = new Map();
  let nextId = 1;
  const gather = async () => {
    const { default: client } = await import("prom-client");
    const requestId = nextId++;
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w && ready.has(w.id) && w.isConnected());
    /** @type {unknown[]} */
    const responses = [];
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 3_000);
      const done = () => {
        clearTimeout(timer);
        resolve(undefined);
      };
      requests.set(requestId, { responses, pending: workers.length, done });
      if (workers.length === 0) done();
      for (const w of workers) w?.send({ type: "prom-client:getMetricsReq", requestId });
    });
    requests.delete(requestId);
    // @ts-expect-error the registries' JSON, as prom-client's workers send it
    return client.AggregatorRegistry.aggregate(responses).metrics();
  };
  cluster.on("exit", (worker) => ready.delete(worker.id));
  cluster.on("message", (worker, message) => {
    if (message?.type === "platform:metrics-ready") ready.add(worker.id);
    else if (message?.type === "prom-client:getMetricsRes") {
      const request = requests.get(message.requestId);
      if (!request) return; // answered after its scrape gave up
      if (!message.error) request.responses.push(...message.metrics);
      if (--request.pending <= 0) request.done();
    } else if (message?.type === "platform:metrics-request") {
      gather().then(
        (text) => worker.send({ type: "platform:metrics-response", id: message.id, text }),
        (/** @type {unknown} */ err) =>
          worker.send({ type: "platform:metrics-response", id: message.id, error: err instanceof Error ? err.message : String(err) }),
      );
    }
  });
}
