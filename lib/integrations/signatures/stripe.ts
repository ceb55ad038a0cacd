// Stripe: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>[,v1=...][,v0=...]`.
// The secret string itself is the key. The event id is the body's top-level `id`
// (`evt_...`), read only once the body is known to be Stripe's.
import { validEventId } from "./event-id";
import { readHeader } from "./headers";
import { maxSignatureHeaderLength, maxSignatures } from "./limits";
import { anyMatches, hmacSha256 } from "./mac";
import { reject, type SchemeInput, type WebhookRejected, type WebhookVerification } from "./result";
import { parseUnixSeconds, staleness } from "./timestamp";

interface StripeHeader {
  timestamp: string;
  signatures: string[];
}

function parseHeader(value: string): StripeHeader | WebhookRejected {
  if (value.length > maxSignatureHeaderLength) {
    return reject("malformed_signature", `The Stripe-Signature header is longer than ${maxSignatureHeaderLength} characters.`);
  }
  let timestamp: string | undefined;
  const signatures: string[] = [];
  let v1Count = 0;
  for (const item of value.split(",")) {
    const eq = item.indexOf("=");
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim();
    const val = item.slice(eq + 1).trim();
    if (key === "t") {
      // Repeated headers joined by ", " repeat t; differing values are not one signature.
      if (timestamp !== undefined && timestamp !== val) {
        return reject("malformed_signature", "The Stripe-Signature header has conflicting t= values.");
      }
      timestamp = val;
    } else if (key === "v1") {
      if (++v1Count > maxSignatures) {
        return reject("malformed_signature", `The Stripe-Signature header lists more than ${maxSignatures} v1 signatures.`);
      }
      if (/^[0-9a-f]{64}$/i.test(val)) signatures.push(val.toLowerCase());
    }
    // v0 (test-mode legacy) and unknown schemes are ignored, as Stripe's libraries do.
  }
  if (timestamp === undefined) return reject("malformed_signature", "The Stripe-Signature header has no t= timestamp.");
  if (!signatures.length) return reject("malformed_signature", "The Stripe-Signature header has no v1=<64 hex digits> signature.");
  return { timestamp, signatures };
}

function eventIdOf(body: Uint8Array): string | undefined {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const id = (parsed as Record<string, unknown>).id;
    return typeof id === "string" ? validEventId(id) : undefined;
  } catch {
    return undefined;
  }
}

export function verifyStripe({ secrets, headers, body, now, toleranceSeconds }: SchemeInput): WebhookVerification {
  const value = readHeader(headers, "stripe-signature")?.trim();
  if (!value) return reject("missing_signature", "The Stripe-Signature header is missing.");
  const parsed = parseHeader(value);
  if ("ok" in parsed) return parsed;
  const seconds = parseUnixSeconds(parsed.timestamp);
  if (seconds === undefined) return reject("malformed_signature", "The Stripe-Signature t= value is not a unix time in seconds.");
  const stale = staleness(seconds, now, toleranceSeconds, "Stripe-Signature timestamp");
  if (stale) return stale;

  const expected = secrets.map((secret, i) => {
    if (!secret) throw new Error(`secrets[${i}] is empty.`);
    return hmacSha256(secret, `${parsed.timestamp}.`, body).toString("hex");
  });
  if (!anyMatches(expected, parsed.signatures)) {
    return reject("bad_signature", "No v1 signature in Stripe-Signature matches the payload under any configured secret.");
  }
  const eventId = eventIdOf(body);
  if (eventId === undefined) return reject("missing_event_id", "The payload is not a JSON object with a string id.");
  return { ok: true, eventId, timestamp: new Date(seconds * 1000) };
}
