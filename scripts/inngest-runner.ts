// npm run inngest:runner
// A local Inngest server for development and tests (see scripts/inngest-runner/README.md).
//   INNGEST_RUNNER_PORT        default 8288 (0 = any free port)
//   INNGEST_RUNNER_HOST        default 127.0.0.1
//   INNGEST_RUNNER_APP_URL     default http://127.0.0.1:3000/api/inngest
//   INNGEST_SIGNING_KEY        optional; sign requests to the app (app in cloud mode)
//   INNGEST_EVENT_KEY          optional; require it on POST /e/<key>
//   INNGEST_RUNNER_BACKOFF_MS  first retry delay, default 1000
// The app needs INNGEST_DEV=http://127.0.0.1:8288 (or INNGEST_BASE_URL with a signing key).
import { z } from "zod";
import { startInngestRunner, type InngestRunner } from "./inngest-runner/index";

const envSchema = z.object({
  INNGEST_RUNNER_PORT: z.coerce.number().int().min(0).max(65535).default(8288),
  INNGEST_RUNNER_HOST: z.string().min(1).default("127.0.0.1"),
  INNGEST_RUNNER_APP_URL: z.url().default("http://127.0.0.1:3000/api/inngest"),
  INNGEST_SIGNING_KEY: z.string().min(1).optional(),
  INNGEST_EVENT_KEY: z.string().min(1).optional(),
});

// Empty variables count as unset.
const raw = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ""));
const parsed = envSchema.safeParse(raw);
if (!parsed.success) {
  console.error(`inngest-runner: ${z.prettifyError(parsed.error)}`);
  process.exit(2);
}
const env = parsed.data;

let runner: InngestRunner;
try {
  runner = await startInngestRunner({
    port: env.INNGEST_RUNNER_PORT,
    host: env.INNGEST_RUNNER_HOST,
    appUrl: env.INNGEST_RUNNER_APP_URL,
    ...(env.INNGEST_SIGNING_KEY ? { signingKey: env.INNGEST_SIGNING_KEY } : {}),
    ...(env.INNGEST_EVENT_KEY ? { eventKey: env.INNGEST_EVENT_KEY } : {}),
  });
} catch (err) {
  console.error(`inngest-runner: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
console.log(`inngest-runner: syncing ${env.INNGEST_RUNNER_APP_URL}; runs at ${runner.url}/runs`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1); // second Ctrl-C: give up waiting
    stopping = true;
    runner.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
