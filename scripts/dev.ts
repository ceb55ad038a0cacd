// `npm run dev`: the whole platform on this machine, with demo tenants.
import { spawn } from "node:child_process";
import { toolingEnv } from "@/lib/env";
import { StackSetupError } from "./lib/embedded-db";
import { printParts, startStack } from "./lib/stack";

const { PORT: port, APP_ROOT_DOMAIN: root } = toolingEnv();
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
`);

const next = spawn(process.execPath, ["node_modules/next/dist/bin/next", "dev", "-p", String(port)], {
  stdio: "inherit",
  env: { ...process.env, ...stack.env },
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
