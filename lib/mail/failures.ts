// Failed messages are counted, and reported at most once a minute (one line naming how
// many failed since the last one and the latest reason), so a dead SMTP server never
// floods the log. Counts are per process. Recipients are never logged.
import { log } from "@/lib/observability/logger";

const REPORT_EVERY_MS = 60_000;

let total = 0;
let sinceReport = 0;
let lastReportAt = 0;

/** The error's gist: the message only (SMTP replies may echo the recipient: cut to the reply code when one is there). */
export function mailErrorGist(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { responseCode?: unknown; code?: unknown }).responseCode ?? (err as { code?: unknown }).code;
    const message = err.message.replace(/<[^>]*@[^>]*>/g, "<…>").replace(/[^\s<>]+@[^\s<>]+/g, "…");
    return `${code ? `${String(code)}: ` : ""}${message}`.slice(0, 200);
  }
  return String(err).slice(0, 200);
}

export function recordMailFailure(gist: string, now = Date.now()): void {
  total++;
  sinceReport++;
  if (now - lastReportAt < REPORT_EVERY_MS) return;
  const more = sinceReport > 1 ? ` (${sinceReport} messages failed since the last report)` : "";
  log().warn({ component: "mail", failed_since_last_report: sinceReport }, `a message was not sent: ${gist}${more}`);
  lastReportAt = now;
  sinceReport = 0;
}

/** Messages that failed in this process since it started (the readiness page and tests read it). */
export function mailFailureCount(): number {
  return total;
}
