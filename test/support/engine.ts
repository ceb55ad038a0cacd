// A real workflow engine for tests: the platform's Inngest functions served over HTTP
// by the SDK's node adapter (what /api/inngest does inside Next), and the local runner
// (scripts/inngest-runner) driving them, signed. The app side can be stopped and
// started again on the same port, as if the app were killed and restarted.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { serve } from "inngest/node";
import { getInngest, resetInngestClient } from "@/inngest/client";
import { platformFunctions, resetPlatformFunctions } from "@/inngest/functions";
import { resetEnvCache } from "@/lib/env";
import { startInngestRunner, type InngestRunner } from "../../scripts/inngest-runner/index";
import { freePort } from "../../scripts/lib/free-port";

export interface TestEngine {
  runner: InngestRunner | undefined;
  runnerUrl: string;
  /** Starts the runner (if it is not running): the engine comes up. */
  startRunner(): Promise<InngestRunner>;
  stopRunner(): Promise<void>;
  /** Stops serving /api/inngest (the app is down); calls to it are refused. */
  stopApp(): Promise<void>;
  startApp(): Promise<void>;
  close(): Promise<void>;
}

const saved = ["INNGEST_BASE_URL", "INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY"] as const;

/** Sets the app's engine environment; the runner starts now unless `runnerUp` is false. */
export async function startTestEngine(opts: { runnerUp?: boolean; backoffBaseMs?: number } = {}): Promise<TestEngine> {
  const previous = Object.fromEntries(saved.map((k) => [k, process.env[k]]));
  const [appPort, runnerPort] = [await freePort(), await freePort()];
  const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
  const eventKey = randomBytes(16).toString("hex");
  const runnerUrl = `http://127.0.0.1:${runnerPort}`;
  Object.assign(process.env, { INNGEST_BASE_URL: runnerUrl, INNGEST_SIGNING_KEY: signingKey, INNGEST_EVENT_KEY: eventKey });
  resetEnvCache();
  resetInngestClient();
  resetPlatformFunctions();
  const handler = serve({ client: getInngest(), functions: platformFunctions() });

  let app: Server | undefined;
  const startApp = () =>
    new Promise<void>((resolve, reject) => {
      const server = createServer((req, res) => void handler(req, res));
      server.once("error", reject).listen(appPort, "127.0.0.1", () => {
        app = server;
        resolve();
      });
    });
  const stopApp = () =>
    new Promise<void>((resolve) => {
      if (!app) return resolve();
      const server = app;
      app = undefined;
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const engine: TestEngine = {
    runner: undefined,
    runnerUrl,
    async startRunner() {
      engine.runner ??= await startInngestRunner({
        port: runnerPort,
        appUrl: `http://127.0.0.1:${appPort}/api/inngest`,
        signingKey,
        eventKey,
        backoffBaseMs: opts.backoffBaseMs ?? 50,
        backoffMaxMs: 1_000,
        syncIntervalMs: 200,
        log: () => undefined,
      });
      const synced = await engine.runner.sync();
      if (!synced.ok) throw new Error(`the runner could not sync the functions: ${synced.message}`);
      return engine.runner;
    },
    async stopRunner() {
      await engine.runner?.close();
      engine.runner = undefined;
    },
    stopApp,
    startApp,
    async close() {
      await engine.stopRunner();
      await stopApp();
      for (const k of saved) {
        if (previous[k] === undefined) delete process.env[k];
        else process.env[k] = previous[k];
      }
      resetEnvCache();
      resetInngestClient();
      resetPlatformFunctions();
    },
  };
  await startApp();
  if (opts.runnerUp !== false) await engine.startRunner();
  return engine;
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
