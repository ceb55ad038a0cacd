// How a step's failure reaches the engine: what can never succeed is NonRetriable (the
// run ends and its failure handler dead-letters the work); an outbound call that named
// a time to come back (Retry-After, an open circuit) is RetryAfter; anything else is
// retried with the engine's backoff. The outbound client's own `retriable` is about
// repeating a request within one call; a workflow step repeats a whole call later, which
// our calls make safe with an idempotency key, so only refusals that cannot change
// (a 4xx, a redirect, a forbidden address, an invalid request) end the run.
import { NonRetriableError, RetryAfterError } from "inngest";
import { UnprocessableEventError } from "@/lib/integrations/inbox/unprocessable-event";
import { OutboundError } from "@/lib/integrations/outbound/errors";
import { isTenantWriteHold, WRITE_HOLD_RETRY_AFTER_SECONDS } from "@/lib/tenancy/move/write-hold-error";

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isPermanent(err: OutboundError): boolean {
  if (err.reason === "ssrf" || err.reason === "redirect" || err.reason === "invalid_request" || err.reason === "too_large") return true;
  return err.reason === "http_status" && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
}

export function toStepError(err: unknown): Error {
  if (err instanceof UnprocessableEventError) return new NonRetriableError(err.message, { cause: err });
  // The tenant is being moved: its writes resume within seconds, on the new cluster.
  if (isTenantWriteHold(err)) return new RetryAfterError(errorMessage(err), `${WRITE_HOLD_RETRY_AFTER_SECONDS}s`, { cause: err });
  if (err instanceof OutboundError) {
    if (isPermanent(err)) return new NonRetriableError(err.message, { cause: err });
    if (err.retryAfterSeconds) return new RetryAfterError(err.message, `${Math.ceil(err.retryAfterSeconds)}s`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
