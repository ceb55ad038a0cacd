// Captures what the process logger writes, as parsed JSON lines: the real logger
// (pino, redaction and all) writing to memory instead of stdout.
import { Writable } from "node:stream";
import { createLogger, replaceLogger } from "@/lib/observability/logger";

export type LogLine = Record<string, unknown> & { level: string; msg: string; component?: string };

export function captureLogs(level: "info" | "debug" | "warn" = "info"): { lines: () => LogLine[]; raw: () => string; restore: () => void } {
  let text = "";
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  replaceLogger(createLogger(sink as unknown as Parameters<typeof createLogger>[0], level));
  return {
    raw: () => text,
    lines: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine),
    restore: () => replaceLogger(undefined),
  };
}
