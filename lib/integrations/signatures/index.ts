// Inbound webhook signature verification: the public surface.
export { verifyWebhook, type VerifyWebhookInput } from "./verify";
export type { WebhookFailureReason, WebhookRejected, WebhookVerification, WebhookVerified } from "./result";
export type { HeadersLike } from "./headers";
export {
  defaultEventIdHeader,
  defaultSignatureHeader,
  headerNameSchema,
  signsEventId,
  webhookSchemeOptionsSchema,
  webhookSchemeSchema,
  webhookSchemes,
  type WebhookScheme,
  type WebhookSchemeOptions,
} from "./schemes";
export { defaultToleranceSeconds, maxSignatures } from "./limits";
export { generateSecret, isUsableSecret } from "./secret";
