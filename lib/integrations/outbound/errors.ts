// The errors of the outbound client. Callers branch on the class (or `reason`) and on
// `retriable` / `retryAfterSeconds`: an Inngest step rethrows a retriable error with
// retryAfterSeconds as a RetryAfterError, and a non-retriable one as NonRetriableError.
// Messages never hold the token, headers, query strings or bodies.

export type OutboundFailureReason =
  "invalid_request" | "ssrf" | "circuit_open" | "rate_limited" | "timeout" | "network" | "too_large" | "redirect" | "http_status";

export interface OutboundErrorOptions {
  reason: OutboundFailureReason;
  /** True when trying the same call again later may succeed and is safe (idempotent). */
  retriable: boolean;
  status?: number;
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class OutboundError extends Error {
  readonly reason: OutboundFailureReason;
  retriable: boolean;
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** Requests that reached the network for this logical call (set by the client). */
  attempts = 0;

  constructor(message: string, options: OutboundErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OutboundError";
    this.reason = options.reason;
    this.retriable = options.retriable;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The target is not one we may call: scheme, credentials in the URL, a private address, a path leaving the base URL. */
export class SsrfRefusedError extends OutboundError {
  constructor(message: string) {
    super(message, { reason: "ssrf", retriable: false });
    this.name = "SsrfRefusedError";
  }
}

/** The integration's circuit is open: refused without touching the network. */
export class CircuitOpenError extends OutboundError {
  constructor(retryAfterSeconds: number) {
    super(`circuit open: the integration failed repeatedly; next trial in ${retryAfterSeconds} s`, {
      reason: "circuit_open",
      retriable: true,
      retryAfterSeconds,
    });
    this.name = "CircuitOpenError";
  }
}

/** The integration's outbound rate limit is spent for longer than the client waits. */
export class RateLimitedError extends OutboundError {
  constructor(retryAfterSeconds: number) {
    super(`outbound rate limit reached; retry in ${retryAfterSeconds} s`, { reason: "rate_limited", retriable: true, retryAfterSeconds });
    this.name = "RateLimitedError";
  }
}

export class OutboundTimeoutError extends OutboundError {
  constructor(phase: "dns" | "connect" | "response", ms: number) {
    super(`timed out: no ${phase === "response" ? "complete response" : phase} within ${ms} ms`, { reason: "timeout", retriable: true });
    this.name = "OutboundTimeoutError";
  }
}

export class ResponseTooLargeError extends OutboundError {
  constructor(limitBytes: number) {
    super(`response body larger than ${limitBytes} bytes`, { reason: "too_large", retriable: false });
    this.name = "ResponseTooLargeError";
  }
}
