// Which signature scheme an integration uses, and the per-integration knobs of the
// generic one. Persisted in integration settings, so both are zod schemas.
import { z } from "zod";

export const webhookSchemeSchema = z.enum(["standard-webhooks", "stripe", "github", "hmac-sha256"]);
export type WebhookScheme = z.infer<typeof webhookSchemeSchema>;
export const webhookSchemes: readonly WebhookScheme[] = webhookSchemeSchema.options;

/**
 * Schemes whose signature covers the body but not the event id (nor a timestamp): a
 * captured delivery resent under a new id verifies, so the inbox also deduplicates
 * these by the body's hash within a window.
 */
export function signsEventId(scheme: WebhookScheme): boolean {
  return scheme === "standard-webhooks" || scheme === "stripe";
}

export const defaultSignatureHeader = "X-Signature";
export const defaultEventIdHeader = "X-Event-Id";

// An HTTP field name is an RFC 9110 token; anything else could never arrive as a header.
export const headerNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, "Must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~).");

/** Options only `hmac-sha256` reads; the named schemes fix their header names. */
export const webhookSchemeOptionsSchema = z.strictObject({
  signatureHeader: headerNameSchema.optional(),
  eventIdHeader: headerNameSchema.optional(),
});
export type WebhookSchemeOptions = z.infer<typeof webhookSchemeOptionsSchema>;
