// Runs one load (see load-worker.ts) in a forked child process and returns its result.
// onWindowStart/onWindowEnd fire when the measured window opens and closes (for
// samples the parent takes itself, e.g. its own CPU or the database's).
import { fork } from "node:child_process";
import type { LoadSpec, WorkerMessage } from "./load-types";

export type LoadResult = Extract<WorkerMessage, { type: "done" }>;

export function runLoad(spec: LoadSpec, hooks: { onWindowStart?: () => void; onWindowEnd?: () => void } = {}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // fork() passes this process's execArgv (tsx's loader) on, so the worker is TypeScript too.
    const child = fork(new URL("./load-worker.ts", import.meta.url), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let result: LoadResult | undefined;
    child.on("message", (m: WorkerMessage) => {
      if (m.type === "window-start") hooks.onWindowStart?.();
      else if (m.type === "window-end") hooks.onWindowEnd?.();
      else if (m.type === "done") result = m;
      else if (m.type === "error") reject(new Error(`load generator: ${m.message}`));
    });
    child.on("error", reject);
    child.on("exit", (code) => (result ? resolve(result) : reject(new Error(`load generator exited (${code}) without a result`))));
    child.send(spec);
  });
}
