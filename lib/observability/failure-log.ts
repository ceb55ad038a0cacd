// Failures of background deliveries (span exports, alert emails) are counted, not logged
// one by one: a collector or mail server that is down would otherwise write a line per
// request. Once a minute, each component with failures gets one line with the count and
// the last error.
export type FailureComponent = "otlp" | "smtp";

interface Tally {
  count: number;
  total: number;
  last: string;
}

const tallies = new Map<FailureComponent, Tally>();
let timer: NodeJS.Timeout | undefined;
export const failureLogIntervalMs = 60_000;

function flush(): void {
  for (const [component, tally] of tallies) {
    if (tally.count === 0) continue;
    console.warn(`[${component}] ${tally.count} failure(s) in the last minute (${tally.total} since start); last: ${tally.last}`);
    tally.count = 0;
  }
}

/** Counts one failure of `component`; the minute's summary line carries `message` if it is the last. */
export function countFailure(component: FailureComponent, message: string): void {
  const tally = tallies.get(component) ?? { count: 0, total: 0, last: "" };
  tally.count++;
  tally.total++;
  tally.last = message.slice(0, 300);
  tallies.set(component, tally);
  if (!timer) {
    timer = setInterval(flush, failureLogIntervalMs);
    timer.unref();
  }
}

/** Failures counted since the process started, by component (tests, the metrics endpoint). */
export function failureTotals(): Record<FailureComponent, number> {
  return { otlp: tallies.get("otlp")?.total ?? 0, smtp: tallies.get("smtp")?.total ?? 0 };
}
