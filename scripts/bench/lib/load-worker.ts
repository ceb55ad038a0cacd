// The load generator, in a child process of its own (forked by load.ts) so it never
// shares an event loop with the orchestration, the Inngest runner or the Redis bridge.
// Closed loop: each connection is one keep-alive socket (an Agent with maxSockets 1)
// that sends its next request as soon as the previous answer ends. Latencies go into
// an HDR histogram (perf_hooks) in microseconds; webhook deliveries are signed before
// the clock starts.
import { Agent, request } from "node:http";
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { treeCpuMs } from "./proc-cpu";
import type { GroupResult, LoadGroup, LoadSpec, WorkerMessage } from "./load-types";

interface Prepared {
  host: string;
  path: string;
  method: "GET" | "POST";
  headers: Record<string, string | number>;
  body?: Buffer;
  /** Signing time (unix s) of a pre-signed delivery. */
  signedAt?: number;
  key?: string;
}

const send = (m: WorkerMessage) => process.send!(m);
const runTag = randomBytes(4).toString("hex");
// Standard Webhooks allows 5 minutes of skew; re-sign deliveries older than this.
const maxSignatureAgeS = 240;

function webhookBody(bytes: number, n: number): Buffer {
  const base = { type: "bench.event", timestamp: new Date().toISOString(), data: { id: `obj-${n % 500}`, n, pad: "" } };
  const without = Buffer.byteLength(JSON.stringify(base));
  base.data.pad = "x".repeat(Math.max(0, bytes - without));
  return Buffer.from(JSON.stringify(base));
}

class GroupState {
  readonly hist: RecordableHistogram = createHistogram();
  requests = 0;
  statuses: Record<string, number> = {};
  allStatuses: Record<string, number> = {};
  acceptedByKey: Record<string, number> = {};
  signedLate = 0;
  private next = 0;
  private pool: Prepared[] = [];

  constructor(readonly group: LoadGroup) {
    if (group.kind === "webhook") {
      for (let i = 0; i < group.presign; i++) this.pool.push(this.sign(i));
    }
  }

  private sign(i: number): Prepared {
    const g = this.group as Extract<LoadGroup, { kind: "webhook" }>;
    const t = g.targets[i % g.targets.length]!;
    const body = webhookBody(g.bodyBytes, i);
    const signedAt = Math.floor(Date.now() / 1000);
    const headers = signWebhook("standard-webhooks", t.secret, body, { id: `msg_${runTag}_${g.name}_${i}`, timestamp: signedAt });
    return {
      host: t.host,
      path: t.path,
      method: "POST",
      headers: { ...headers, host: t.host, "content-type": "application/json", "content-length": body.length },
      body,
      signedAt,
      key: t.key,
    };
  }

  take(): Prepared {
    const i = this.next++;
    const g = this.group;
    if (g.kind === "get") {
      const t = g.targets[i % g.targets.length]!;
      return { host: t.host, path: t.path, method: "GET", headers: { ...t.headers, host: t.host } };
    }
    const p = this.pool[i];
    if (p) {
      this.pool[i] = undefined as unknown as Prepared; // let it be collected
      if (Math.floor(Date.now() / 1000) - p.signedAt! < maxSignatureAgeS) return p;
    }
    this.signedLate++;
    return this.sign(i);
  }

  result(): GroupResult {
    const h = this.hist;
    const ms = (us: number) => us / 1000;
    return {
      name: this.group.name,
      requests: this.requests,
      statuses: this.statuses,
      allStatuses: this.allStatuses,
      p50Ms: this.requests ? ms(h.percentile(50)) : 0,
      p99Ms: this.requests ? ms(h.percentile(99)) : 0,
      maxMs: this.requests ? ms(h.max) : 0,
      acceptedByKey: this.acceptedByKey,
      signedLate: this.signedLate,
    };
  }
}

function once(agent: Agent, port: number, p: Prepared): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: p.path, method: p.method, agent, headers: p.headers }, (res) => {
      res.on("end", () => resolve(String(res.statusCode ?? 0)));
      res.on("error", (e: NodeJS.ErrnoException) => resolve(`ERR:${e.code ?? e.message}`));
      res.resume();
    });
    req.setTimeout(60_000, () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    req.on("error", (e: NodeJS.ErrnoException) => resolve(`ERR:${e.code ?? e.message}`));
    req.end(p.body);
  });
}

async function run(spec: LoadSpec): Promise<void> {
  const states = spec.groups.map((g) => new GroupState(g));
  let measuring = false;
  let stopping = false;
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

  const loops: Promise<void>[] = [];
  for (const st of states) {
    for (let c = 0; c < st.group.connections; c++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      loops.push(
        (async () => {
          while (!stopping) {
            const p = st.take();
            const t0 = performance.now();
            const status = await once(agent, spec.port, p);
            const us = Math.max(1, Math.round((performance.now() - t0) * 1000));
            bump(st.allStatuses, status);
            if (status === "202" && p.key !== undefined) bump(st.acceptedByKey, p.key);
            if (measuring) {
              st.requests++;
              bump(st.statuses, status);
              st.hist.record(us);
            }
          }
          agent.destroy();
        })(),
      );
    }
  }

  await new Promise((r) => setTimeout(r, spec.warmupMs));
  const cpu0 = treeCpuMs(spec.appPid);
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  send({ type: "window-start" });
  await new Promise((r) => setTimeout(r, spec.durationMs));
  measuring = false;
  const windowMs = performance.now() - t0;
  const cpu1 = treeCpuMs(spec.appPid);
  const gen = process.cpuUsage(gen0);
  send({ type: "window-end" });
  stopping = true;
  await Promise.all(loops);
  send({
    type: "done",
    windowMs,
    appCpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
    generatorCpuMs: (gen.user + gen.system) / 1000,
    loadEndedAt: Date.now(),
    groups: states.map((s) => s.result()),
  });
}

process.once("message", (spec: LoadSpec) => {
  run(spec).then(
    () => process.disconnect(),
    (err: unknown) => {
      send({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      process.disconnect();
    },
  );
});
