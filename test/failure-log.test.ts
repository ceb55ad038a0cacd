// Background delivery failures (span exports, alert emails) are counted and summarised
// once a minute, never logged per failure.
import { afterEach, describe, expect, it, vi } from "vitest";
import { countFailure, failureLogIntervalMs, failureTotals } from "@/lib/observability/failure-log";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("failure log", () => {
  it("writes one line per component per minute with the count and the last error, and nothing in between", () => {
    vi.useFakeTimers();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const before = failureTotals();
    for (let i = 1; i <= 50; i++) countFailure("otlp", `connect ECONNREFUSED (${i})`);
    countFailure("smtp", "greeting never received");
    expect(warn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(failureLogIntervalMs - 1);
    expect(warn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(/^\[otlp\] 50 failure\(s\) in the last minute .*last: connect ECONNREFUSED \(50\)$/),
      expect.stringMatching(/^\[smtp\] 1 failure\(s\) in the last minute .*last: greeting never received$/),
    ]);
    // A quiet minute says nothing; totals keep counting.
    vi.advanceTimersByTime(failureLogIntervalMs);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(failureTotals()).toEqual({ otlp: before.otlp + 50, smtp: before.smtp + 1 });
  });
});
