// Signing secrets per scheme, in the shape that scheme's senders issue them, for
// integrations where we mint the secret and hand it to the sender.
import { randomBytes, randomInt } from "node:crypto";
import type { WebhookScheme } from "./schemes";
import { standardWebhooksKey, standardWebhooksSecretPrefix } from "./standard-webhooks";

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function generateSecret(scheme: WebhookScheme): string {
  switch (scheme) {
    case "standard-webhooks":
      return standardWebhooksSecretPrefix + randomBytes(24).toString("base64");
    case "stripe":
      // randomInt is unbiased, unlike a byte modulo 62.
      return "whsec_" + Array.from({ length: 32 }, () => alphanumeric[randomInt(alphanumeric.length)]).join("");
    case "github":
    case "hmac-sha256":
      return randomBytes(32).toString("hex");
  }
}

/** Whether `verifyWebhook` can use this secret (it throws on one it cannot): check pasted secrets with it. */
export function isUsableSecret(scheme: WebhookScheme, secret: string): boolean {
  if (scheme === "standard-webhooks") return standardWebhooksKey(secret) !== undefined;
  return secret.length > 0;
}
