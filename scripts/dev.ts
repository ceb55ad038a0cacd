// `npm run dev`: the whole platform on this machine, with demo tenants.
import { spawn } from "node:child_process";
import path from "node:path";
import { toolingEnv } from "@/lib/env";
import { devDataDir } from "./lib/dev-secrets";
import { StackSetupError } from "./lib/embedded-db";
import { printParts, startStack } from "./lib/stack";

// Loopback only unless HOST says otherwise: a dev server is no service for the network.
const { PORT: port, APP_ROOT_DOMAIN: root, HOST: host } = toolingEnv();
console.log("Starting the platform for development…");
const stack = await startStack("dev").catch((e: unknown) => {
  // Setup problems say what to do in one sentence; anything else keeps its stack trace.
  if (!(e instanceof StackSetupError)) throw e;
  console.error(`\n${e.message}`);
  process.exit(1);
});
console.log("\nRunning:");
printParts(stack.parts);
console.log(`
  Platform:  http://${root}:${port}
  Tenants:   http://acme.${root}:${port}   http://globex.${root}:${port}
  Health:    http://${root}:${port}/api/ready
${stack.env.MAIL_CATCHER_URL ? `  Mail:      ${stack.env.MAIL_CATCHER_URL} (every message the platform sends lands here)\n` : ""}  Metrics:   http://${root}:${port}/api/metrics   (Authorization: Bearer <METRICS_TOKEN in ${path.join(devDataDir(process.cwd()), "dev-secrets.json")}>)
  Listening: ${host}:${port}${host === "127.0.0.1" || host === "::1" || host === "localhost" ? " (this machine only; set HOST to change)" : ""}
`);

// `next dev` through our launcher, so the client address comes from the socket as in
// production. The launcher listens on HOST itself and, for a loopback HOST, gives Next
// the name "localhost" for its URLs (see scripts/start.mjs), so middleware rewrites (the
// 404 page, /platform) stay internal.
const next = spawn(process.execPath, ["scripts/start.mjs", "--dev", "-H", host, "-p", String(port)], {
  stdio: "inherit",
  // Pretty log lines (pino-pretty) here only: everything else logs JSON.
  env: { ...process.env, ...stack.env, LOG_FORMAT: process.env.LOG_FORMAT ?? "pretty" },
});

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  next.kill("SIGTERM");
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
next.on("exit", (code) => void shutdown(code ?? 0));
