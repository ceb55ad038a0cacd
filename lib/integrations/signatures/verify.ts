// Entry point: verify an inbound webhook under the integration's scheme. Pass the body
// exactly as received (`new Uint8Array(await request.arrayBuffer())`), never re-serialised
// JSON: one changed byte, space or key order breaks the MAC.
import type { HeadersLike } from "./headers";
import { verifyGithub } from "./github";
import { verifyHmacSha256 } from "./hmac";
import { defaultToleranceSeconds } from "./limits";
import type { WebhookVerification } from "./result";
import type { WebhookScheme, WebhookSchemeOptions } from "./schemes";
import { verifyStandardWebhook } from "./standard-webhooks";
import { verifyStripe } from "./stripe";

export interface VerifyWebhookInput {
  scheme: WebhookScheme;
  /** Current secret first, then any previous one still inside its rotation grace period. */
  secrets: readonly string[];
  headers: HeadersLike;
  body: Uint8Array | ArrayBuffer;
  /** Only read by `hmac-sha256`. */
  options?: WebhookSchemeOptions;
  now?: Date;
  /** Accepted clock skew for timestamped schemes, past and future. */
  toleranceSeconds?: number;
}

/**
 * Verifies a delivery. Returns a rejection for anything the sender got wrong; throws
 * only on caller errors (no secrets, an unusable secret, a bad tolerance).
 */
export function verifyWebhook(input: VerifyWebhookInput): WebhookVerification {
  const { scheme, secrets, headers, options } = input;
  if (!secrets.length) throw new Error("verifyWebhook needs at least one secret.");
  const toleranceSeconds = input.toleranceSeconds ?? defaultToleranceSeconds;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) throw new Error("toleranceSeconds must be a non-negative number.");
  const body = input.body instanceof Uint8Array ? input.body : new Uint8Array(input.body);
  const args = { secrets, headers, body, now: input.now ?? new Date(), toleranceSeconds };
  switch (scheme) {
    case "standard-webhooks":
      return verifyStandardWebhook(args);
    case "stripe":
      return verifyStripe(args);
    case "github":
      return verifyGithub(args);
    case "hmac-sha256":
      return verifyHmacSha256(args, options);
    default: {
      const unknown: never = scheme;
      throw new Error(`Unknown webhook scheme ${String(unknown)}.`);
    }
  }
}
