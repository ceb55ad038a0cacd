// `npm test`: brings up a throwaway stack (scratch database on DATABASE_URL's server,
// or an embedded PostgreSQL; Redis behind the Upstash bridge), runs the Vitest suite,
// then builds the app and runs the Playwright suite against `next start`.
//   npm test             everything
//   npm test -- unit     Vitest only
//   npm test -- e2e      build + Playwright only
//   npm test -- unit audit-report    Vitest on the files matching a filter
//   npm test -- e2e api-auth         build + the Playwright specs matching a filter
import { spawn } from "node:child_process";
import { toolingEnv } from "@/lib/env";
import { resolveChromium } from "./lib/chromium";
import { StackSetupError } from "./lib/embedded-db";
import { printParts, startStack } from "./lib/stack";

const [only, ...filters] = process.argv.slice(2);
if ((only && only !== "unit" && only !== "e2e") || (filters.length && !only)) {
  console.error("usage: npm test [-- unit|e2e [file filter ...]]");
  process.exit(2);
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

// The browser is resolved (and on first use unpacked) before anything runs, so a
// missing one fails in seconds, not after the unit tests and the build.
let browser: Awaited<ReturnType<typeof resolveChromium>> | undefined;
if (only !== "unit") {
  try {
    browser = await resolveChromium(toolingEnv().E2E_CHROMIUM);
  } catch (e) {
    console.error(`No browser for the e2e tests: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

const stack = await startStack("test").catch((e: unknown) => {
  // Setup problems say what to do in one sentence; anything else keeps its stack trace.
  if (!(e instanceof StackSetupError)) throw e;
  console.error(`\n${e.message}`);
  process.exit(1);
});
console.log("Test stack:");
printParts([...stack.parts, ...(browser ? [{ name: "chromium", status: "on" as const, detail: browser.detail }] : [])]);
if (browser) stack.env.E2E_CHROMIUM_PATH = browser.executablePath;
if (!stack.env.UPSTASH_REDIS_REST_URL && !toolingEnv().UPSTASH_REDIS_REST_URL) {
  console.error("\nThe tests need a Redis: set REDIS_URL, or install redis-server so it can be started.");
  await stack.stop();
  process.exit(1);
}

let code = 0;
const stopAll = async (signal: string) => {
  console.error(`\n${signal}: stopping the test stack`);
  await stack.stop();
  process.exit(130);
};
process.on("SIGINT", () => void stopAll("SIGINT"));
process.on("SIGTERM", () => void stopAll("SIGTERM"));

try {
  if (only !== "e2e") code ||= await run(process.execPath, ["node_modules/vitest/vitest.mjs", "run", ...filters], stack.env);
  if (only !== "unit" && code === 0) {
    code ||= await run(process.execPath, ["node_modules/next/dist/bin/next", "build"], { ...stack.env, NODE_ENV: "production" });
    if (code === 0) code ||= await run(process.execPath, ["node_modules/@playwright/test/cli.js", "test", ...filters], stack.env);
  }
} finally {
  await stack.stop();
}
process.exit(code);
