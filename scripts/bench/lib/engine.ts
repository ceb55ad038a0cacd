// The workflow engine for benches: the local Inngest runner (scripts/inngest-runner)
// in signed mode, as production runs the SDK (cloud mode with a signing key).
import { randomBytes } from "node:crypto";
import { startInngestRunner, type InngestRunner } from "../../inngest-runner/index";
import { freePort } from "../../lib/free-port";

export interface BenchEngine {
  port: number;
  /** INNGEST_BASE_URL, INNGEST_SIGNING_KEY, INNGEST_EVENT_KEY for the app (also set on process.env). */
  env: Record<string, string>;
  /** Starts the runner against the app's /api/inngest (call once the app's port is known). */
  start(appPort: number): Promise<InngestRunner>;
  close(): Promise<void>;
}

export async function prepareEngine(): Promise<BenchEngine> {
  const port = await freePort();
  const signingKey = `signkey-bench-${randomBytes(32).toString("hex")}`;
  const eventKey = randomBytes(16).toString("hex");
  const env = { INNGEST_BASE_URL: `http://127.0.0.1:${port}`, INNGEST_SIGNING_KEY: signingKey, INNGEST_EVENT_KEY: eventKey };
  Object.assign(process.env, env);
  let runner: InngestRunner | undefined;
  return {
    port,
    env,
    async start(appPort) {
      runner = await startInngestRunner({
        port,
        host: "127.0.0.1",
        appUrl: `http://127.0.0.1:${appPort}/api/inngest`,
        signingKey,
        eventKey,
        log: () => undefined,
      });
      return runner;
    },
    async close() {
      await runner?.close().catch(() => undefined);
    },
  };
}
