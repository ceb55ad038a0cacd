// Any thrown value as a problem response (Node: it logs). Unknown errors never leak
// details to the caller; they are logged with their stack, under the request's context.
import { isDatabaseUnavailable } from "@/lib/db/connection-retry";
import { AppError } from "@/lib/errors/app-error";
import { log } from "@/lib/observability/logger";
import { problemResponse } from "./problem";

export function problemFromError(err: unknown, requestId?: string): Response {
  if (err instanceof AppError) {
    return problemResponse(err.status, err.message, { errors: err.fieldErrors, requestId, headers: err.headers, reason: err.reason });
  }
  if (isDatabaseUnavailable(err)) {
    // A database (e.g. the tenant's cluster) is down: the client may retry; no stack, it is not a bug.
    log().warn({ component: "db", request_id: requestId, reason: err instanceof Error ? err.message : String(err) }, "database unavailable");
    return problemResponse(503, "The database is unavailable; try again shortly.", { requestId, headers: { "retry-after": "5" } });
  }
  log().error({ err, request_id: requestId }, "unhandled error");
  return problemResponse(500, "An unexpected error occurred.", { requestId });
}
