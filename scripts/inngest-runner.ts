// npm run inngest:runner
// A local Inngest server for development and tests (see scripts/inngest-runner/README.md).
//   INNGEST_RUNNER_PORT        default 8288 (0 = any free port)
//   INNGEST_RUNNER_HOST        default 127.0.0.1
//   INNGEST_RUNNER_APP_URL     default http://127.0.0.1:3000/api/inngest
//   INNGEST_SIGNING_KEY        required; signs every request to the app (SDK in cloud mode)
//   INNGEST_EVENT_KEY          required; POST /e/<key> must use it
//   INNGEST_RUNNER_BACKOFF_MS  first retry delay, default 1000
// The app needs the same INNGEST_SIGNING_KEY and INNGEST_EVENT_KEY, and
// INNGEST_BASE_URL=http://127.0.0.1:8288. Beside `npm run dev`, the keys come from its
// .data/dev-env.json when the environment does not set them.
import "./lib/load-dev-env"; // first: fills unset variables from a running `npm run dev`
import { z } from "zod";
import { startInngestRunner, type InngestRunner } from "./inngest-runner/index";

const envSchema = z.object({
  INNGEST_RUNNER_PORT: z.coerce.number().int().min(0).max(65535).default(8288),
  INNGEST_RUNNER_HOST: z.string().min(1).default("127.0.0.1"),
  INNGEST_RUNNER_APP_URL: z.url().default("http://127.0.0.1:3000/api/inngest"),
  INNGEST_SIGNING_KEY: z.string({ error: "is required: signkey-<env>-<hex>, the app's key (npm run dev generates one in .data/dev-secrets.json)" }).min(1),
  INNGEST_EVENT_KEY: z.string({ error: "is required: the key the app sends events with (INNGEST_EVENT_KEY)" }).min(1),
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
    signingKey: env.INNGEST_SIGNING_KEY,
    eventKey: env.INNGEST_EVENT_KEY,
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
