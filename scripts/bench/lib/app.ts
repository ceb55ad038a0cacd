// The app as production runs it: `next build`, then `npm start` (package.json "start",
// which honours PORT) in its own process group, so stop() ends the whole tree whatever
// the start script becomes (e.g. a launcher with one worker per core).
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<number> {
  return new Promise((resolve) => spawn(cmd, args, { stdio: "inherit", env, cwd }).on("exit", (code) => resolve(code ?? 1)));
}

export async function buildApp(env: NodeJS.ProcessEnv): Promise<void> {
  console.log("\nnext build …");
  if ((await run(process.execPath, ["node_modules/next/dist/bin/next", "build"], env)) !== 0) throw new Error("next build failed");
}

export interface RunningApp {
  /** The spawned `npm start`: the root of the app's process tree and its process group id. */
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** SIGTERM to the process group, then waits (up to 20 s, then SIGKILL) until every member has exited. */
  stop(): Promise<void>;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Spawns `npm start` with PORT=<port> (in `cwd`, default this directory) and waits for GET /api/health.
 * BENCH_PROFILE_DIR=<dir> adds `--cpu-prof --cpu-prof-dir=<dir>` to NODE_OPTIONS (or, on a
 * Node that refuses that, a preload doing the same), so every node process of the app
 * writes a V8 CPU profile there when it exits.
 */
export async function startApp(env: NodeJS.ProcessEnv, port: number, cwd?: string): Promise<RunningApp> {
  const profileDir = process.env.BENCH_PROFILE_DIR;
  // Node 20 refuses --cpu-prof in NODE_OPTIONS: a preload does the same there.
  const profiling = !profileDir
    ? ""
    : process.allowedNodeEnvironmentFlags.has("--cpu-prof")
      ? `--cpu-prof --cpu-prof-dir=${JSON.stringify(path.resolve(profileDir))}`
      : `--require ${JSON.stringify(fileURLToPath(new URL("./cpu-profile-preload.cjs", import.meta.url)))}`;
  const nodeOptions = [env.NODE_OPTIONS, profiling].filter(Boolean).join(" ");
  const child = spawn("npm", ["start"], {
    env: { ...env, PORT: String(port), ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
    cwd,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not spawn npm start");
  let exited = false;
  child.once("exit", () => (exited = true));
  const stop = async () => {
    if (groupAlive(pid)) {
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        /* already gone */
      }
    }
    // Wait for the whole group: a CPU profile is written when a process exits.
    for (let i = 0; groupAlive(pid) && i < 200; i++) await sleep(100);
    if (groupAlive(pid)) {
      console.error("[app] still running 20 s after SIGTERM: SIGKILL");
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (exited) throw new Error("npm start exited before the app came up");
      if (
        await fetch(`${url}/api/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 120) throw new Error("npm start did not come up within 60 s");
      await sleep(500);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid, port, url, stop };
}
