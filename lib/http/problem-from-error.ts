// Any thrown value as a problem response (Node: it logs). Unknown errors never leak
// details to the caller; they are logged with their stack, under the request's context.
import { AppError } from "@/lib/errors/app-error";
import { log } from "@/lib/observability/logger";
import { problemResponse } from "./problem";

export function problemFromError(err: unknown, requestId?: string): Response {
  if (err instanceof AppError) {
    return problemResponse(err.status, err.message, { errors: err.fieldErrors, requestId, headers: err.headers, reason: err.reason });
  }
  log().error({ err, request_id: requestId }, "unhandled error");
  return problemResponse(500, "An unexpected error occurred.", { requestId });
}
