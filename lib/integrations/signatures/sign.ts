// The sender side, for tests, the benchmark and the demo. Deliberately shares no code
// with the verifiers (HMACs computed here directly), so verify-against-sign tests the
// verifier rather than agreeing with itself.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { WebhookScheme } from "./schemes";

export interface SignWebhookOptions {
  /** standard-webhooks: webhook-id (default random msg_...); github: X-GitHub-Delivery (default a UUID); hmac-sha256: event id header value (default none). Stripe's id lives in the body. */
  id?: string;
  /** Signing time (Date or unix seconds), default now; standard-webhooks and stripe only. */
  timestamp?: Date | number;
  /** hmac-sha256: signature header name (default X-Signature). */
  header?: string;
  /** hmac-sha256: event id header name (default X-Event-Id). */
  eventIdHeader?: string;
}

function unixSeconds(timestamp: Date | number | undefined): number {
  if (timestamp === undefined) return Math.floor(Date.now() / 1000);
  return typeof timestamp === "number" ? timestamp : Math.floor(timestamp.getTime() / 1000);
}

/** The headers a sender using `scheme` would attach to `body`. */
export function signWebhook(scheme: WebhookScheme, secret: string, body: Uint8Array | string, options: SignWebhookOptions = {}): Record<string, string> {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  switch (scheme) {
    case "standard-webhooks": {
      const id = options.id ?? `msg_${randomBytes(12).toString("hex")}`;
      const t = unixSeconds(options.timestamp);
      const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
      const mac = createHmac("sha256", key).update(`${id}.${t}.`).update(bytes).digest("base64");
      return { "webhook-id": id, "webhook-timestamp": String(t), "webhook-signature": `v1,${mac}` };
    }
    case "stripe": {
      const t = unixSeconds(options.timestamp);
      const mac = createHmac("sha256", secret).update(`${t}.`).update(bytes).digest("hex");
      return { "Stripe-Signature": `t=${t},v1=${mac}` };
    }
    case "github": {
      const mac = createHmac("sha256", secret).update(bytes).digest("hex");
      return { "X-Hub-Signature-256": `sha256=${mac}`, "X-GitHub-Delivery": options.id ?? randomUUID() };
    }
    case "hmac-sha256": {
      const mac = createHmac("sha256", secret).update(bytes).digest("hex");
      const headers: Record<string, string> = { [options.header ?? "X-Signature"]: `sha256=${mac}` };
      if (options.id !== undefined) headers[options.eventIdHeader ?? "X-Event-Id"] = options.id;
      return headers;
    }
  }
}
