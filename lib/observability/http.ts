// The one place an API request is observed: its log context, its access-log line and
// its HTTP series. The tenant wrapper (lib/http/with-tenant.ts) runs every tenant route
// through observeRequest(); the platform's own routes (health, ready, metrics, the
// engine's door, next-auth, the API 404) through withObservation(). Requests the Edge
// middleware answers itself (unknown host or tenant) never reach Node: middleware.ts
// writes their line with ./edge-log.ts, and they are not in these series.
import { problemResponse } from "@/lib/http/problem";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { log, withLogContext, type LogContext } from "./logger";
import { counter, histogram, open } from "./metrics";

const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
const statusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;
/** Route templates come from the app's route files (about 40); the bound leaves room. */
export const ROUTE_LIMIT = 100;

const labels = { method: methods, route: open(ROUTE_LIMIT), status_class: statusClasses };

export const httpRequests = counter({
  name: "platform_http_requests_total",
  help: "API requests answered, by method, route template and status class.",
  labels,
});
export const httpDuration = histogram({
  name: "platform_http_request_duration_seconds",
  help: "Time to answer an API request (until the handler returns its response), by method, route template and status class.",
  labels,
});

export function statusClass(status: number): string {
  return `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx`;
}

/**
 * The route template of a request: its path with each dynamic segment replaced by the
 * parameter's name, as in the route's file path (/api/v1/users/[id]). Only segments
 * that are parameter values are replaced, so the result is one of the app's routes,
 * never a raw path.
 */
export function routeTemplate(pathname: string, params: Record<string, string | string[] | undefined> = {}): string {
  const segments = pathname.split("/");
  const decoded = segments.map(safeDecode);
  const out: string[] = [];
  const used = new Set<string>();
  // From the right: dynamic segments come after the static ones that name them, so a
  // value equal to a static segment (an id "users" in /users/users) takes the later one.
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = decoded[i]!;
    const single = Object.entries(params).find(([k, v]) => !used.has(k) && typeof v === "string" && v === seg);
    if (single) {
      used.add(single[0]);
      out.unshift(`[${single[0]}]`);
      continue;
    }
    const catchAll = Object.entries(params).find(
      ([k, v]) => !used.has(k) && Array.isArray(v) && v.length > 0 && v.length <= i && v.every((part, j) => part === decoded[i - v.length + 1 + j]),
    );
    if (catchAll) {
      used.add(catchAll[0]);
      out.unshift(`[...${catchAll[0]}]`);
      i -= (catchAll[1] as string[]).length - 1;
      continue;
    }
    out.unshift(segments[i]!);
  }
  return out.join("/") || "/";
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Runs `handle` as one observed API request: every line it writes carries `fields`
 * (plus what the handler adds with addLogContext), then one access-log line and the
 * request's series are written. A thrown error is logged and answered 500 here.
 */
export function observeRequest(request: Request, route: string, fields: LogContext, handle: () => Promise<Response>): Promise<Response> {
  const started = performance.now();
  const method = request.method.toUpperCase();
  return withLogContext({ ...fields, route, method }, async () => {
    let response: Response;
    try {
      response = await handle();
    } catch (err) {
      log().error({ err }, "unhandled error in an API route");
      response = problemResponse(500, "An unexpected error occurred.", { requestId: fields.request_id });
    }
    const ms = performance.now() - started;
    const status = response.status;
    const l = { method, route, status_class: statusClass(status) };
    httpRequests.inc(l);
    httpDuration.observe(l, ms / 1000);
    const line = { status, duration_ms: Math.round(ms * 10) / 10 };
    if (status >= 500) log().error(line, "request");
    else log().info(line, "request");
    return response;
  });
}

type RouteHandler<A extends unknown[]> = (request: Request, ...rest: A) => Promise<Response> | Response;

/** A platform route (no tenant wrapper): observed under a fixed route template. */
export function withObservation<A extends unknown[]>(route: string, handler: RouteHandler<A>): (request: Request, ...rest: A) => Promise<Response> {
  return (request, ...rest) => {
    const requestId = request.headers.get(internalHeaders.requestId) ?? crypto.randomUUID();
    return observeRequest(request, route, { request_id: requestId }, async () => handler(request, ...rest));
  };
}
