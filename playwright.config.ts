// End-to-end tests against the production server, our launcher `scripts/start.mjs` (as
// `npm start`, one worker), run by `npm test` after `next build` with the throwaway
// stack's environment. The launcher is what gives the app the socket's address
// (x-platform-peer). The servers run with TRUSTED_PROXY_HOPS=1: the tests play the
// proxy, sending X-Forwarded-For to keep their sign-in rate-limit buckets apart
// (e2e/security.spec.ts starts one on the default, no proxy). Two servers:
//   3100  the full stack: PostgreSQL + Redis (the Edge middleware reads the mirror)
//   3101  the same build with Redis switched off (empty = unset in lib/env.ts), to
//         prove the Node-side PostgreSQL fallback
// Ordering: Playwright starts the webServers BEFORE globalSetup runs, so the servers'
// readiness probe is /api/health (a platform path: no tenant lookup, nothing cached)
// and no test touches a tenant host until globalSetup has seeded the data.
import { randomBytes } from "node:crypto";
import { defineConfig, devices } from "@playwright/test";
import { dnsPort, externalApiPort, runnerPort } from "./e2e/ports";
import { toolingEnv } from "./lib/env";
import { resolveChromium } from "./scripts/lib/chromium";

const nextStart = (port: number) => `node scripts/start.mjs -p ${port}`;
const launcherEnv = { WEB_CONCURRENCY: "1", TRUSTED_PROXY_HOPS: "1" };

// The workflow engine of the e2e run: the local Inngest runner (scripts/inngest-runner)
// driving 3100's /api/inngest. The app runs in cloud mode: every engine call is signed
// with this run's key and checked. (The config is also loaded by the workers, where these
// values differ; only the main process starts servers, so they agree where it matters.)
export { runnerPort };
const signingKey = process.env.E2E_INNGEST_SIGNING_KEY ?? `signkey-test-${randomBytes(32).toString("hex")}`;
const eventKey = process.env.E2E_INNGEST_EVENT_KEY ?? randomBytes(16).toString("hex");
process.env.E2E_INNGEST_SIGNING_KEY = signingKey;
process.env.E2E_INNGEST_EVENT_KEY = eventKey;
const engineEnv = {
  INNGEST_BASE_URL: `http://127.0.0.1:${runnerPort}`,
  INNGEST_SIGNING_KEY: signingKey,
  INNGEST_EVENT_KEY: eventKey,
  // REST integrations in the specs call one fake API on loopback: only that host:port is let through.
  INTEGRATIONS_ALLOWED_HOSTS: `127.0.0.1:${externalApiPort}`,
  // Custom-domain verification asks the DNS server e2e/settings.spec.ts starts.
  DNS_RESOLVERS: `127.0.0.1:${dnsPort}`,
};

// The browser: the system Chromium, or the one from the @sparticuz/chromium package when
// there is none (E2E_CHROMIUM, see scripts/lib/chromium.ts). `npm test` resolves it
// before the build and hands the path over; workers inherit it from the main process.
process.env.E2E_CHROMIUM_PATH ??= (await resolveChromium(toolingEnv().E2E_CHROMIUM)).executablePath;

export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/global-setup.ts",
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 2,
  reporter: "list",
  timeout: 30_000,
  expect: { timeout: 5_000 },
  use: {
    trace: "off",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: process.env.E2E_CHROMIUM_PATH,
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // *.localhost already resolves to loopback inside Chromium; custom domains need this.
            "--host-resolver-rules=MAP *.example.test 127.0.0.1",
          ],
        },
      },
    },
  ],
  webServer: [
    {
      name: "inngest-runner",
      command: "node node_modules/tsx/dist/cli.mjs scripts/inngest-runner.ts",
      url: `http://127.0.0.1:${runnerPort}/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        INNGEST_RUNNER_PORT: String(runnerPort),
        INNGEST_RUNNER_APP_URL: "http://127.0.0.1:3100/api/inngest",
        INNGEST_SIGNING_KEY: signingKey,
        INNGEST_EVENT_KEY: eventKey,
        // Retries in seconds, not minutes: the e2e tests wait for them.
        INNGEST_RUNNER_BACKOFF_MS: "250",
      },
    },
    {
      name: "next:3100",
      command: nextStart(3100),
      url: "http://127.0.0.1:3100/api/health",
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
      // Two servers, two browsers and Redis share 2 cores here: a Redis answer can take
      // longer than production's short timeouts, and a timed-out sign-in limit is closed
      // for 5 s (by design). The outage behaviour itself is tested in test/ratelimit.test.ts.
      env: { ...launcherEnv, REDIS_TIMEOUT_MS: "3000", RATELIMIT_TIMEOUT_MS: "3000", ...engineEnv },
    },
    {
      name: "next:3101 (no Redis)",
      command: nextStart(3101),
      url: "http://127.0.0.1:3101/api/health",
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
      // No engine here: nothing listens on port 9, so events stay undispatched.
      env: {
        ...launcherEnv,
        UPSTASH_REDIS_REST_URL: "",
        UPSTASH_REDIS_REST_TOKEN: "",
        // No metrics token here: /api/metrics answers 404 (e2e/metrics.spec.ts).
        METRICS_TOKEN: "",
        INNGEST_BASE_URL: "http://127.0.0.1:9",
        INNGEST_SIGNING_KEY: signingKey,
        INNGEST_EVENT_KEY: eventKey,
      },
    },
  ],
});
