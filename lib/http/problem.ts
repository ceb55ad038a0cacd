// RFC 9457 problem details: the one shape of every API error. Edge-safe.
import { isDatabaseUnavailable } from "@/lib/db/connection-retry";
import { AppError, type FieldError } from "@/lib/errors/app-error";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  /** Machine-readable reason where the status alone is not enough (e.g. mfa_required). */
  reason?: string;
  requestId?: string;
}

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export function problemResponse(
  status: number,
  detail: string,
  init: { errors?: FieldError[]; requestId?: string; headers?: HeadersInit; type?: string; reason?: string } = {},
): Response {
  const body: Problem = {
    type: init.type ?? "about:blank",
    title: titles[status] ?? "Error",
    status,
    detail,
    ...(init.errors?.length ? { errors: init.errors } : {}),
    ...(init.reason ? { reason: init.reason } : {}),
    ...(init.requestId ? { requestId: init.requestId } : {}),
  };
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/problem+json");
  headers.set("cache-control", "no-store");
  return new Response(JSON.stringify(body), { status, headers });
}

/** Maps any thrown value to a problem response; unknown errors never leak details. */
export function problemFromError(err: unknown, requestId?: string): Response {
  if (err instanceof AppError) {
    return problemResponse(err.status, err.message, { errors: err.fieldErrors, requestId, headers: err.headers, reason: err.reason });
  }
  if (isDatabaseUnavailable(err)) {
    // A database (e.g. the tenant's cluster) is down: the client may retry; no stack, it is not a bug.
    console.warn(`[http] database unavailable (request ${requestId ?? "-"}): ${err instanceof Error ? err.message : String(err)}`);
    return problemResponse(503, "The database is unavailable; try again shortly.", { requestId, headers: { "retry-after": "5" } });
  }
  console.error(`[http] unhandled error (request ${requestId ?? "-"}):`, err instanceof Error ? err.stack : err);
  return problemResponse(500, "An unexpected error occurred.", { requestId });
}
