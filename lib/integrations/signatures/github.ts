// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`. Nothing
// timestamped is signed, so there is no freshness check: replays are caught by the
// delivery id (X-GitHub-Delivery) dedup alone.
import { validEventId } from "./event-id";
import { readHeader } from "./headers";
import { parseHexSignatures } from "./hex-signatures";
import { anyMatches, hmacSha256 } from "./mac";
import { reject, type SchemeInput, type WebhookVerification } from "./result";

export function verifyGithub({ secrets, headers, body }: SchemeInput): WebhookVerification {
  const value = readHeader(headers, "x-hub-signature-256")?.trim();
  if (!value) return reject("missing_signature", "The X-Hub-Signature-256 header is missing.");
  const provided = parseHexSignatures(value, "X-Hub-Signature-256", true);
  if (!Array.isArray(provided)) return provided;

  const expected = secrets.map((secret, i) => {
    if (!secret) throw new Error(`secrets[${i}] is empty.`);
    return hmacSha256(secret, body).toString("hex");
  });
  if (!anyMatches(expected, provided)) {
    return reject("bad_signature", "The X-Hub-Signature-256 signature does not match the payload under any configured secret.");
  }
  // The delivery id is not signed; it is only trusted to dedupe an authentic body.
  const rawId = readHeader(headers, "x-github-delivery");
  if (rawId === undefined) return reject("missing_event_id", "The X-GitHub-Delivery header is missing.");
  const eventId = validEventId(rawId);
  if (eventId === undefined) return reject("missing_event_id", "The X-GitHub-Delivery header is not a valid event id (1-255 printable ASCII characters).");
  return { ok: true, eventId };
}
