// The Edge middleware's log lines. pino cannot run there (its Node streams and transports
// do not exist in the Edge runtime), and the only output the runtime has is `console`.
// So this writes the same shape as the Node logger (level label, ISO time, msg, the
// request's fields) as one JSON line through console.log, honouring LOG_LEVEL. It only
// ever logs fields the middleware chooses (never headers or bodies), so it needs no
// redaction. Used for the requests the middleware answers itself: the rest are logged
// by the Node side (./http.ts).
import { edgeEnv } from "@/lib/env";

const levels = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

export function edgeLog(level: "info" | "warn" | "error", msg: string, fields: Record<string, string | number | undefined>): void {
  if (levels[level] < levels[edgeEnv().LOG_LEVEL]) return;
  // eslint-disable-next-line no-console -- the Edge runtime's only output (see above)
  console.log(JSON.stringify({ level, time: new Date().toISOString(), ...fields, msg }));
}
