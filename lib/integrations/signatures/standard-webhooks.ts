// Standard Webhooks (https://www.standardwebhooks.com, Svix and its users):
//   webhook-id, webhook-timestamp (unix s),
//   webhook-signature: space-separated `v1,<base64 HMAC-SHA256(key, "<id>.<ts>.<body>")>`.
// The secret is `whsec_<base64 key>`; other signature versions (v1a = ed25519) are ignored.
import { validEventId } from "./event-id";
import { readHeader } from "./headers";
import { maxSignatureHeaderLength, maxSignatures } from "./limits";
import { anyMatches, hmacSha256 } from "./mac";
import { reject, type SchemeInput, type WebhookVerification } from "./result";
import { parseUnixSeconds, staleness } from "./timestamp";

export const standardWebhooksSecretPrefix = "whsec_";

/** The HMAC key of a `whsec_...` secret (prefix optional, as the spec's libraries allow); undefined if invalid. */
export function standardWebhooksKey(secret: string): Buffer | undefined {
  const encoded = secret.startsWith(standardWebhooksSecretPrefix) ? secret.slice(standardWebhooksSecretPrefix.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const key = Buffer.from(encoded, "base64");
  // The spec asks for 24-64 byte keys; a shorter one is a paste error, not a secret.
  return key.length >= 24 && key.length <= 64 ? key : undefined;
}

function parseSignatures(value: string): string[] | WebhookVerification {
  if (value.length > maxSignatureHeaderLength) {
    return reject("malformed_signature", `The webhook-signature header is longer than ${maxSignatureHeaderLength} characters.`);
  }
  // Space-separated per spec; a trailing comma comes from repeated headers joined by ", ".
  const tokens = value
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => t.replace(/,$/, ""));
  if (tokens.length > maxSignatures) {
    return reject("malformed_signature", `The webhook-signature header lists ${tokens.length} signatures; at most ${maxSignatures} are accepted.`);
  }
  const signatures = tokens.flatMap((t) => {
    const m = /^v1,([A-Za-z0-9+/]{43}=)$/.exec(t);
    // Re-encoded so a non-canonical spelling of the same 32 bytes still compares equal.
    return m ? [Buffer.from(m[1]!, "base64").toString("base64")] : [];
  });
  if (!signatures.length) return reject("malformed_signature", "The webhook-signature header holds no v1,<base64 HMAC-SHA256> signature.");
  return signatures;
}

export function verifyStandardWebhook({ secrets, headers, body, now, toleranceSeconds }: SchemeInput): WebhookVerification {
  const signatureHeader = readHeader(headers, "webhook-signature")?.trim();
  if (!signatureHeader) return reject("missing_signature", "The webhook-signature header is missing.");
  const rawId = readHeader(headers, "webhook-id");
  if (rawId === undefined) return reject("missing_event_id", "The webhook-id header is missing.");
  const id = validEventId(rawId);
  if (id === undefined) return reject("missing_event_id", "The webhook-id header is not a valid event id (1-255 printable ASCII characters).");
  const rawTimestamp = readHeader(headers, "webhook-timestamp")?.trim();
  if (!rawTimestamp) return reject("missing_signature", "The webhook-timestamp header is missing; it is part of the signature.");
  const seconds = parseUnixSeconds(rawTimestamp);
  if (seconds === undefined) return reject("malformed_signature", "The webhook-timestamp header is not a unix time in seconds.");

  const provided = parseSignatures(signatureHeader);
  if (!Array.isArray(provided)) return provided;
  // Checked before any MAC is computed: a replay is refused without spending work on it.
  const stale = staleness(seconds, now, toleranceSeconds, "webhook-timestamp");
  if (stale) return stale;

  const expected = secrets.map((secret, i) => {
    const key = standardWebhooksKey(secret);
    if (!key) throw new Error(`secrets[${i}] is not a valid Standard Webhooks secret (whsec_<base64 of 24-64 bytes>).`);
    return hmacSha256(key, `${id}.${rawTimestamp}.`, body).toString("base64");
  });
  if (!anyMatches(expected, provided)) {
    return reject("bad_signature", "No signature in webhook-signature matches the payload under any configured secret.");
  }
  return { ok: true, eventId: id, timestamp: new Date(seconds * 1000) };
}
