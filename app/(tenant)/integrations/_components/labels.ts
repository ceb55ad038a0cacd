// Human names for the integration kinds, signature schemes and secret grace periods.
import type { IntegrationKind, WebhookScheme } from "@/lib/integrations/settings";

export const kindLabels: Record<IntegrationKind, string> = { webhook: "Webhook (receive events)", rest: "REST API (call out, sync)" };
export const schemeLabels: Record<WebhookScheme, string> = {
  "standard-webhooks": "Standard Webhooks",
  stripe: "Stripe",
  github: "GitHub",
  "hmac-sha256": "HMAC-SHA256 (generic)",
};

export const kindOptions = (Object.keys(kindLabels) as IntegrationKind[]).map((value) => ({ value, label: kindLabels[value] }));
export const schemeOptions = (Object.keys(schemeLabels) as WebhookScheme[]).map((value) => ({ value, label: schemeLabels[value] }));

export const graceOptions = [
  { value: "0", label: "None: the old secret stops at once" },
  { value: "3600", label: "1 hour" },
  { value: "86400", label: "1 day" },
  { value: "604800", label: "7 days" },
] as const;
