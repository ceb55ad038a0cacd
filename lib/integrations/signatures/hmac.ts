// Generic HMAC-SHA256 over the raw body, for senders with no named scheme. The header
// names are per integration. Without an event id header the id is the body's hash, so
// an identical redelivery dedupes; nothing is timestamped, so there is no freshness check.
import { createHash } from "node:crypto";
import { validEventId } from "./event-id";
import { readHeader } from "./headers";
import { parseHexSignatures } from "./hex-signatures";
import { anyMatches, hmacSha256 } from "./mac";
import { reject, type SchemeInput, type WebhookVerification } from "./result";
import { defaultEventIdHeader, defaultSignatureHeader, type WebhookSchemeOptions } from "./schemes";

export function verifyHmacSha256({ secrets, headers, body }: SchemeInput, options: WebhookSchemeOptions = {}): WebhookVerification {
  const signatureHeader = options.signatureHeader ?? defaultSignatureHeader;
  const eventIdHeader = options.eventIdHeader ?? defaultEventIdHeader;
  const value = readHeader(headers, signatureHeader)?.trim();
  if (!value) return reject("missing_signature", `The ${signatureHeader} header is missing.`);
  const provided = parseHexSignatures(value, signatureHeader, false);
  if (!Array.isArray(provided)) return provided;

  const expected = secrets.map((secret, i) => {
    if (!secret) throw new Error(`secrets[${i}] is empty.`);
    return hmacSha256(secret, body).toString("hex");
  });
  if (!anyMatches(expected, provided)) {
    return reject("bad_signature", `The ${signatureHeader} signature does not match the payload under any configured secret.`);
  }
  const rawId = readHeader(headers, eventIdHeader);
  if (rawId === undefined) return { ok: true, eventId: `sha256:${createHash("sha256").update(body).digest("hex")}` };
  const eventId = validEventId(rawId);
  if (eventId === undefined) return reject("missing_event_id", `The ${eventIdHeader} header is not a valid event id (1-255 printable ASCII characters).`);
  return { ok: true, eventId };
}
