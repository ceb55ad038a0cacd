// Span exports that fail (collector down, slow or refusing) are counted, never logged
// one by one: a dead collector would otherwise write a line per batch. Once a minute, if
// any failed, one line says how many and the last error. The count is also a metric.
// (Mail failures have their own reporter, lib/mail/failures.ts.)
import { counter } from "@/lib/observability/metrics";
import { log } from "@/lib/observability/logger";

export const exportFailureReportMs = 60_000;

const failures = counter({
  name: "platform_trace_export_failures_total",
  help: "Batches of spans the OTLP exporter could not deliver (dropped).",
});

let total = 0;
let sinceReport = 0;
let last = "";
let timer: NodeJS.Timeout | undefined;

function report(): void {
  if (sinceReport === 0) return;
  log().warn({ component: "tracing", failed: sinceReport, total }, `span exports failed in the last minute; last: ${last}`);
  sinceReport = 0;
}

export function recordExportFailure(message: string): void {
  total++;
  sinceReport++;
  last = message.slice(0, 300);
  failures.inc();
  if (!timer) {
    timer = setInterval(report, exportFailureReportMs);
    timer.unref();
  }
}

/** Failed exports in this process since it started. */
export function exportFailureCount(): number {
  return total;
}
