// The one error type. Domain code throws AppError with a code from this list; the
// request wrapper and CLIs map it (HTTP status, exit code). Anything else is a bug.
export const errorCodes = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  /** Raised by no handler: Next refuses the method and the launcher writes this problem (scripts/lib/method-not-allowed.mjs; test/method-not-allowed.test.ts keeps the two identical). */
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface FieldError {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  /** Response headers that belong to this error (Retry-After, WWW-Authenticate, ...). */
  headers?: Record<string, string>;
  /** A stable machine-readable reason for clients, e.g. "mfa_required". */
  reason?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fieldErrors: FieldError[];
  readonly headers: Record<string, string>;
  readonly reason: string | undefined;

  constructor(code: ErrorCode, message: string, fieldErrors: FieldError[] = [], options: AppErrorOptions = {}) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.fieldErrors = fieldErrors;
    this.headers = options.headers ?? {};
    this.reason = options.reason;
  }

  get status(): number {
    return errorCodes[this.code];
  }
}
