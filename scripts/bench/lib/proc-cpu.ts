// CPU time of a process tree from /proc (Linux): utime+stime of the root and every
// descendant, plus cutime+cstime (children that already exited and were reaped), so a
// worker that exits between two samples still counts. Differences of two samples are
// the tree's CPU over that interval. Elsewhere (no /proc) the samples are null.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let clockTicks: number | undefined;
/** Kernel clock ticks per second (USER_HZ), usually 100. */
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** One process's /proc/<pid>/stat: its own CPU ticks (utime + stime) and its reaped children's (cutime + cstime). */
interface Stat {
  comm: string;
  ppid: number;
  ticks: number;
  reapedTicks: number;
  /** Start time after boot, in ticks: with the pid, it names one process (pids are reused). */
  start: number;
}

function readStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may contain spaces and parentheses.
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17, starttime 22.
    return {
      comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")),
      ppid: Number(f[1]),
      ticks: Number(f[11]) + Number(f[12]),
      reapedTicks: Number(f[13]) + Number(f[14]),
      start: Number(f[19]),
    };
  } catch {
    return null; // exited meanwhile
  }
}

/** Every process on the machine right now, by pid. */
export type ProcessTicks = Map<number, Stat>;

export function allProcessTicks(): ProcessTicks {
  const out: ProcessTicks = new Map();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const name of entries) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const st = readStat(pid);
    if (st) out.set(pid, st);
  }
  return out;
}

/** Pids of `root` and all its descendants in `snapshot` (default: now). */
export function processTree(root: number, snapshot: ProcessTicks = allProcessTicks()): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, st] of snapshot) {
    const list = children.get(st.ppid);
    if (list) list.push(pid);
    else children.set(st.ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU milliseconds used so far by these processes (and their reaped children); null without /proc. */
export function cpuMsOf(pids: number[]): number | null {
  let ticks = 0;
  let seen = 0;
  for (const pid of pids) {
    const st = readStat(pid);
    if (!st) continue;
    ticks += st.ticks + st.reapedTicks;
    seen++;
  }
  return seen ? (ticks * 1000) / clkTck() : null;
}

/** CPU milliseconds used so far by `root`'s whole process tree; null without /proc. */
export function treeCpuMs(root: number): number | null {
  return cpuMsOf(processTree(root));
}

/** Busy and total CPU ticks of the whole machine so far (/proc/stat), null without it. */
export function machineTicks(): { busy: number; total: number } | null {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/**
 * Waits until the machine is quiet: under `busyFraction` of all its cores busy over a
 * `windowMs` window, or `maxMs` passed. The whole machine, not just the app: the app's
 * start-up work (the audit sealer's first pass, the inbox reconcile pass) mostly waits on
 * PostgreSQL, whose CPU is not the app's. Returns how long it waited (0 without /proc).
 */
export async function waitUntilQuiet(opts: { busyFraction?: number; windowMs?: number; maxMs?: number } = {}): Promise<number> {
  const { busyFraction = 0.15, windowMs = 2_000, maxMs = 180_000 } = opts;
  const t0 = performance.now();
  let before = machineTicks();
  if (before === null) return 0;
  while (performance.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = machineTicks();
    if (now === null) break;
    const busy = (now.busy - before.busy) / Math.max(1, now.total - before.total);
    if (busy < busyFraction) break;
    before = now;
  }
  return performance.now() - t0;
}

/**
 * Where the machine's CPU went between two snapshots, in ms, by role: `label` names a pid
 * (the app's tree, the generator, ...) or returns undefined for the command name to be used
 * (postgres, pgbouncer, redis-server). A process that exited between them is not counted.
 */
export function cpuByRole(before: ProcessTicks, after: ProcessTicks, label: (pid: number, comm: string) => string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const [pid, now] of after) {
    const was = before.get(pid);
    // Own ticks only (a reaped child's would count twice, in it and in its parent). The same
    // process if it started at the same time: a kernel worker's name changes with its work.
    const ticks = now.ticks - (was && was.start === now.start ? was.ticks : 0);
    if (ticks <= 0) continue;
    const role = label(pid, now.comm) ?? now.comm;
    out.set(role, (out.get(role) ?? 0) + (ticks * 1000) / clkTck());
  }
  return out;
}
