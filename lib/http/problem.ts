// RFC 9457 problem details: the one shape of every API error. Edge-safe.
import type { FieldError } from "@/lib/errors/app-error";

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
  405: "Method Not Allowed",
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
