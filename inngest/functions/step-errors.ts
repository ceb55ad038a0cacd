// How a step's failure reaches the engine: what can never succeed is NonRetriable (the
// run ends and its failure handler dead-letters the work); an outbound call that named
// a time to come back (Retry-After, an open circuit) is RetryAfter; anything else is
// retried with the engine's backoff.
import { NonRetriableError, RetryAfterError } from "inngest";
import { UnprocessableEventError } from "@/lib/integrations/inbox/process-webhook";
import { OutboundError } from "@/lib/integrations/outbound/errors";

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function toStepError(err: unknown): Error {
  if (err instanceof UnprocessableEventError) return new NonRetriableError(err.message, { cause: err });
  if (err instanceof OutboundError) {
    if (!err.retriable) return new NonRetriableError(err.message, { cause: err });
    if (err.retryAfterSeconds) return new RetryAfterError(err.message, `${Math.ceil(err.retryAfterSeconds)}s`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
