// Failed span exports are counted (and a metric) and reported once a minute, never per failure.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, replaceLogger } from "@/lib/observability/logger";
import { registry } from "@/lib/observability/metrics";
import { exportFailureCount, exportFailureReportMs, recordExportFailure } from "@/lib/observability/tracing/export-failures";

afterEach(() => {
  replaceLogger(undefined);
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function metricValue(): Promise<number> {
  const metric = await registry.getSingleMetric("platform_trace_export_failures_total")?.get();
  return metric?.values[0]?.value ?? 0;
}

describe("span export failures", () => {
  it("writes one line a minute with the count and the last error, nothing in between, and counts every failure", async () => {
    vi.useFakeTimers();
    const warn = vi.fn<(line: { msg: string; failed: number; total: number }) => void>();
    replaceLogger(createLogger({ write: (line: string) => warn(JSON.parse(line) as { msg: string; failed: number; total: number }) }, "info"));
    const [before, metricBefore] = [exportFailureCount(), await metricValue()];
    for (let i = 1; i <= 50; i++) recordExportFailure(`3 span(s) not exported: connect ECONNREFUSED (${i})`);
    expect(warn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(exportFailureReportMs - 1);
    expect(warn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      expect.objectContaining({ failed: 50, msg: expect.stringMatching(/^span exports failed in the last minute; last: .*ECONNREFUSED \(50\)$/) }),
    ]);
    // A quiet minute says nothing.
    vi.advanceTimersByTime(exportFailureReportMs);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(exportFailureCount()).toBe(before + 50);
    expect(await metricValue()).toBe(metricBefore + 50);
  });
});
