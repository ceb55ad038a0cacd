// The verifier's answer. Messages are for logs and the sender's delivery log: they
// name headers and reasons, never a secret or an expected MAC.
import type { HeadersLike } from "./headers";

export type WebhookFailureReason = "missing_signature" | "malformed_signature" | "bad_signature" | "stale_timestamp" | "missing_event_id";

export type WebhookVerified = { ok: true; eventId: string; timestamp?: Date };
export type WebhookRejected = { ok: false; reason: WebhookFailureReason; message: string };
export type WebhookVerification = WebhookVerified | WebhookRejected;

export function reject(reason: WebhookFailureReason, message: string): WebhookRejected {
  return { ok: false, reason, message };
}

/** What every scheme verifier gets once `verifyWebhook` has normalised the input. */
export interface SchemeInput {
  secrets: readonly string[];
  headers: HeadersLike;
  body: Uint8Array;
  now: Date;
  toleranceSeconds: number;
}
