// A local Inngest server for development and tests: it speaks the documented
// SDK <-> server protocol (docs/SDK_SPEC.md in the Inngest repository) to an app served
// with the `inngest` SDK. State lives in memory only: a restart loses queued and
// in-flight runs (the app's reconciler re-sends undispatched inbox events).
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { callSdk } from "./call";
import { ConcurrencyLimiter } from "./concurrency";
import { EventIntake } from "./events";
import { Executor } from "./executor";
import { parseRegistration, Registry } from "./registry";
import { CronScheduler } from "./scheduler";
import { createRunnerServer } from "./server";
import { canonicalJson, isSigningKey } from "./signing";
import { syncApp, type SyncResult } from "./sync";
import type { Log, RunView } from "./types";

export type { RunView, RunStatus, ErrorShape, Log } from "./types";
export type { SyncResult } from "./sync";

export interface InngestRunnerOptions {
  /** Default 8288 (the port the SDK's dev mode expects); 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The app's serve endpoint, e.g. http://127.0.0.1:3000/api/inngest. Without it the runner only waits to be synced. */
  appUrl?: string;
  /**
   * `signkey-<env>-<hex>`: signs every request to the app (SDK in cloud mode) and is
   * required from /fn/register. Required: the platform's /api/inngest refuses unsigned calls.
   */
  signingKey: string;
  /** POST /e/<key> must use this key; any other is refused with 401. */
  eventKey: string;
  /** First retry delay; doubles per attempt. Default: env INNGEST_RUNNER_BACKOFF_MS, else 1000. */
  backoffBaseMs?: number;
  /** Longest retry delay. Default 60000. */
  backoffMaxMs?: number;
  /** Delay between sync attempts until one succeeds. Default 5000. */
  syncIntervalMs?: number;
  /** Timeout of one call request to the app (a step's longest run). Default 900000 (15 min). */
  requestTimeoutMs?: number;
  /** Receives one line per run start, finish, failure and retry. Default: console.log. */
  log?: Log;
}

export interface InngestRunner {
  url: string;
  port: number;
  close(): Promise<void>;
  /** PUTs the app now, which makes its SDK register its functions here. */
  sync(): Promise<SyncResult>;
  /** Recent runs, newest first (at most 1000 kept). */
  runs(): RunView[];
  run(id: string): RunView | undefined;
  functions(): FunctionView[];
  /** Fires the cron schedules due at `now` (for tests; a 1 s timer does it otherwise). */
  tick(now?: Date): void;
}

export interface FunctionView {
  id: string;
  name: string;
  appName: string;
  url: string;
  retries: number;
  triggers: string[];
  refusal?: string;
}

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(8288),
  host: z.string().min(1).default("127.0.0.1"),
  appUrl: z.url().optional(),
  signingKey: z.string({ error: "a signing key is required (signkey-<env>-<hex>)" }).refine(isSigningKey, "signing key must look like signkey-<env>-<hex>"),
  eventKey: z.string({ error: "an event key is required" }).min(1),
  backoffBaseMs: z.number().int().min(0).optional(),
  backoffMaxMs: z.number().int().min(0).default(60_000),
  syncIntervalMs: z.number().int().min(10).default(5000),
  requestTimeoutMs: z.number().int().min(1).default(900_000),
});

function backoffFromEnv(): number {
  const raw = process.env.INNGEST_RUNNER_BACKOFF_MS;
  if (raw === undefined || raw === "") return 1000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`INNGEST_RUNNER_BACKOFF_MS must be a whole number of ms, got "${raw}"`);
  return n;
}

export async function startInngestRunner(options: InngestRunnerOptions): Promise<InngestRunner> {
  const { log: logOption, ...rest } = options;
  const parsed = optionsSchema.safeParse(rest);
  if (!parsed.success) throw new Error(`invalid inngest runner options: ${z.prettifyError(parsed.error)}`);
  const o = parsed.data;
  const log: Log = logOption ?? ((line) => console.log(`[inngest-runner] ${line}`));
  const backoffBaseMs = o.backoffBaseMs ?? backoffFromEnv();
  const serverKind = o.signingKey ? "cloud" : "dev";
  const abort = new AbortController();

  const registry = new Registry();
  const limiter = new ConcurrencyLimiter();
  // Filled in below: the executor emits function.failed events through the intake.
  let intake: EventIntake | undefined;
  const executor = new Executor({
    registry,
    limiter,
    log,
    backoffBaseMs,
    backoffMaxMs: Math.max(o.backoffMaxMs, backoffBaseMs),
    call: (req) => callSdk({ ...req, serverKind, timeoutMs: o.requestTimeoutMs, signal: abort.signal, ...(o.signingKey ? { signingKey: o.signingKey } : {}) }),
    onRunFailed: (data) => intake?.accept([{ name: "inngest/function.failed", data }]),
  });
  intake = new EventIntake((event) => executor.trigger(event));
  const crons = new CronScheduler(
    () => registry.functions(),
    (fn, event) => executor.startRun(fn, event),
  );

  let synced = false;
  let syncTimer: NodeJS.Timeout | undefined;
  let lastSyncFailure = "";
  let closed = false;

  const sync = async (): Promise<SyncResult> => {
    if (!o.appUrl) return { ok: false, status: 0, message: "no appUrl configured; PUT your app's serve endpoint yourself" };
    const result = await syncApp({
      appUrl: o.appUrl,
      serverKind,
      timeoutMs: 30_000,
      signal: abort.signal,
      ...(o.signingKey ? { signingKey: o.signingKey } : {}),
    });
    if (result.ok) {
      synced = true;
      lastSyncFailure = "";
      clearTimeout(syncTimer);
    } else if (!closed) {
      const line = `sync with ${o.appUrl} failed (${result.status === 0 ? "unreachable" : `HTTP ${result.status}`}): ${result.message}`;
      // Repeat a failure only when it changes, not every interval.
      if (line !== lastSyncFailure) log(`${line}${synced ? "" : `; retrying every ${o.syncIntervalMs / 1000}s`}`);
      lastSyncFailure = line;
    }
    return result;
  };
  const syncUntilDone = async (): Promise<void> => {
    await sync();
    if (!synced && !closed) syncTimer = setTimeout(() => void syncUntilDone(), o.syncIntervalMs);
  };

  const server = createRunnerServer({
    serverKind,
    ...(o.eventKey !== undefined ? { eventKey: o.eventKey } : {}),
    ...(o.signingKey !== undefined ? { signingKey: o.signingKey } : {}),
    acceptEvents: (events, seed) => intake.accept(events, seed),
    register: (body) => {
      const app = parseRegistration(body);
      const { modified } = registry.register(app, canonicalJson(body.functions));
      crons.refresh();
      if (modified) {
        log(`synced app "${app.appName}": ${app.functions.length} function(s) at ${app.url}`);
        for (const fn of app.functions) if (fn.refusal) log(`function "${fn.id}" refused: ${fn.refusal}`);
      }
      return { modified };
    },
    sync,
    runs: () => executor.views(),
    run: (id) => executor.view(id),
    functions: () => functionViews(registry),
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = o.host === "0.0.0.0" || o.host === "::" ? "127.0.0.1" : o.host.includes(":") ? `[${o.host}]` : o.host;
  const url = `http://${urlHost}:${port}`;
  log(`listening on ${url} (${serverKind} mode${o.signingKey ? ", signing requests" : ""}${o.eventKey ? ", event key required" : ""})`);

  const cronTimer = setInterval(() => crons.tick(Date.now()), 1000);
  cronTimer.unref();
  if (o.appUrl) void syncUntilDone();

  return {
    url,
    port,
    sync,
    runs: () => executor.views(),
    run: (id) => executor.view(id),
    functions: () => functionViews(registry),
    tick: (now = new Date()) => crons.tick(now.getTime()),
    close: async () => {
      closed = true;
      clearTimeout(syncTimer);
      clearInterval(cronTimer);
      executor.close();
      abort.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function functionViews(registry: Registry): FunctionView[] {
  return registry.functions().map((fn) => {
    const v: FunctionView = {
      id: fn.id,
      name: fn.name,
      appName: fn.appName,
      url: fn.url,
      retries: fn.maxAttempts - 1,
      triggers: [...fn.eventTriggers.map((t) => `event:${t.event}`), ...fn.cronTriggers.map((t) => `cron:${t.expression}`)],
    };
    if (fn.refusal) v.refusal = fn.refusal;
    return v;
  });
}
