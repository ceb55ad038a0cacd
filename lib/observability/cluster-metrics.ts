// The text /api/metrics answers. Under `npm start` (node:cluster, one worker per core)
// connections are spread over the workers, so a scrape reaches ONE of them: served from
// that worker's registry alone, each scrape would show a different worker's counters.
// So a worker asks the primary (scripts/start.mjs), which gathers every worker's
// registry with prom-client's AggregatorRegistry and answers with the cluster's sum
// (gauges declare their own aggregation: max for values read from the database).
// One endpoint per instance; Prometheus sums instances by their `instance` label.
// Outside a cluster (next dev, tests, a bare next start) the process's own registry.
import cluster from "node:cluster";
import client from "prom-client";
import { registry } from "./metrics";

// The message types scripts/start.mjs answers (plain JavaScript there: keep in step).
export const METRICS_READY = "platform:metrics-ready";
export const METRICS_REQUEST = "platform:metrics-request";
export const METRICS_RESPONSE = "platform:metrics-response";
const TIMEOUT_MS = 8_000;

interface Pending {
  resolve: (text: string) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const globalForCluster = globalThis as unknown as { __platformClusterMetrics?: { pending: Map<number, Pending>; next: number } };

function state() {
  if (!globalForCluster.__platformClusterMetrics) {
    const s = { pending: new Map<number, Pending>(), next: 1 };
    globalForCluster.__platformClusterMetrics = s;
    // Answers the primary's collection requests with this worker's registry
    // (prom-client adds that listener when an AggregatorRegistry is made in a worker).
    new client.AggregatorRegistry();
    process.on("message", (message: { type?: string; id?: number; text?: string; error?: string }) => {
      if (message?.type !== METRICS_RESPONSE || typeof message.id !== "number") return;
      const p = s.pending.get(message.id);
      if (!p) return;
      s.pending.delete(message.id);
      clearTimeout(p.timer);
      if (typeof message.text === "string") p.resolve(message.text);
      else p.reject(new Error(message.error ?? "the primary sent no metrics"));
    });
  }
  return globalForCluster.__platformClusterMetrics;
}

/**
 * Called at worker start-up (instrumentation.ts): starts answering the primary's
 * collection requests and tells it so, so a worker still booting is not waited for.
 */
export function joinClusterMetrics(): void {
  if (!cluster.isWorker || !process.send) return;
  state();
  process.send({ type: METRICS_READY });
}

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  if (!cluster.isWorker || !process.send) return { contentType: registry.contentType, body: await registry.metrics() };
  const s = state();
  const id = s.next++;
  const body = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      s.pending.delete(id);
      reject(new Error(`the primary did not answer within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    s.pending.set(id, { resolve, reject, timer });
    process.send!({ type: METRICS_REQUEST, id });
  });
  return { contentType: registry.contentType, body };
}
