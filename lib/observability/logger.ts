// The one logger (pino), Node only. JSON lines on stdout; pretty lines when
// LOG_FORMAT=pretty, which only `npm run dev` sets (pino-pretty is a dev dependency).
// Every line carries the fields of the work it belongs to: the request wrapper and the
// workflow middleware run their work inside withLogContext(), and a mixin adds that
// context (request id, tenant, principal, route; or function, run id, step, attempt) to
// each line, however deep in lib/ it was written. Secrets are removed by pino's `redact`
// (paths below), not by each call site. Edge code uses ./edge-log.ts.
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import pino, { type DestinationStream, type Logger } from "pino";
import { logEnv } from "@/lib/env";

export interface LogContext {
  request_id?: string;
  tenant?: string;
  principal_type?: string;
  principal_id?: string;
  route?: string;
  method?: string;
  /** Workflow lines. */
  function?: string;
  run_id?: string;
  step?: string;
  attempt?: number;
}

/**
 * Fields whose values never reach a log line, at the top level and one level down
 * (fast-redact's `*`): credentials, cookies, Authorization headers, and the bodies of
 * webhooks and requests (they may carry a provider's secrets or a tenant's data).
 */
const secretKeys = [
  "password",
  "newPassword",
  "currentPassword",
  "secret",
  "signingSecret",
  "clientSecret",
  "token",
  "accessToken",
  "refreshToken",
  "access_token",
  "refresh_token",
  "idToken",
  "apiKey",
  "api_key",
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  "set-cookie",
  "body",
  "rawBody",
  "payload",
  "totp",
  "totpCode",
  "recoveryCode",
];
export const redactPaths = [
  ...secretKeys.map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `["${k}"]`)),
  ...secretKeys.map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `*.${k}` : `*["${k}"]`)),
  // Headers objects two levels down (req.headers.authorization, err.config.headers...).
  ...["authorization", "cookie", '["set-cookie"]', "x-api-key"].map((h) => (h.startsWith("[") ? `*.headers${h}` : `*.headers["${h}"]`)),
];

const globalForLog = globalThis as unknown as { __platformLogContext?: AsyncLocalStorage<LogContext>; __platformLogger?: Logger };
const storage = (globalForLog.__platformLogContext ??= new AsyncLocalStorage<LogContext>());

/** The logger's options: one definition, used by the process logger and by the redaction test. */
export function loggerOptions(level: string): pino.LoggerOptions {
  return {
    level,
    messageKey: "msg",
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: redactPaths, censor: "[redacted]" },
    mixin: () => ({ ...storage.getStore() }),
    serializers: { err: pino.stdSerializers.err },
  };
}

/** A logger writing to `destination` with the process's configuration (tests use it with a memory stream). */
export function createLogger(destination?: DestinationStream, level = logEnv().LOG_LEVEL): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

function prettyStream(): DestinationStream | undefined {
  try {
    // Synchronous and in-process: no transport worker thread, which Next's dev server
    // would have to resolve from its bundle. Missing in a production install: JSON.
    const pretty = createRequire(import.meta.url)("pino-pretty") as (o: Record<string, unknown>) => DestinationStream;
    return pretty({ sync: true, colorize: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname" });
  } catch {
    return undefined;
  }
}

/** The process's logger. */
export function log(): Logger {
  if (!globalForLog.__platformLogger) {
    const env = logEnv();
    const pretty = env.LOG_FORMAT === "pretty" ? prettyStream() : undefined;
    globalForLog.__platformLogger = createLogger(pretty, env.LOG_LEVEL);
  }
  return globalForLog.__platformLogger;
}

/** Runs `fn` with these fields on every line it (and whatever it awaits) writes. */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

/** Adds fields to the current context once they are known (the principal, after authentication). */
export function addLogContext(fields: LogContext): void {
  const store = storage.getStore();
  if (store) Object.assign(store, fields);
}

/** The current context (for the access-log line). */
export function currentLogContext(): LogContext {
  return { ...storage.getStore() };
}

/** An error's message alone, for lines that must not carry a stack. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** For tests: `logger` replaces the process's logger (one writing to memory); undefined builds it afresh from the environment. */
export function replaceLogger(logger?: Logger): void {
  globalForLog.__platformLogger = logger;
}
