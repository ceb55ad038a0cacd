// Request signing as the SDK verifies it (inngest 4.24, helpers/net.ts + strings.ts):
//   X-Inngest-Signature: t=<unix seconds>&s=<hex HMAC-SHA256>
// The HMAC key is the signing key with its "signkey-<env>-" prefix removed, used as
// UTF-8 text (not hex-decoded); the message is the JCS-canonical JSON body (RFC 8785)
// followed by the timestamp. The SDK re-parses the body and canonicalises it, so the
// runner sends the canonical text itself and signs exactly those bytes.
// The SDK authenticates its own calls to the server (POST /fn/register) with
// "Authorization: Bearer signkey-<env>-<hex sha256 of the hex-decoded key>".
import { createHash, createHmac } from "node:crypto";
import { safeEqual } from "@/lib/crypto/compare";

const PREFIX = /^signkey-\w+-/;
const KEY_FORMAT = /^signkey-\w+-(?:[0-9a-f]{2})+$/i;

export function isSigningKey(key: string): boolean {
  return KEY_FORMAT.test(key);
}

/** JSON with object keys sorted by UTF-16 code units, as RFC 8785 and the SDK's `canonicalize`. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    return `[${value.map((v: unknown) => (v === undefined || typeof v === "function" || typeof v === "symbol" ? "null" : canonicalJson(v))).join(",")}]`;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return canonicalJson(JSON.parse(JSON.stringify(value)));
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined && typeof obj[k] !== "function" && typeof obj[k] !== "symbol")
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

export function signatureFor(payload: string, signingKey: string, unixSeconds: number): string {
  const key = signingKey.replace(PREFIX, "");
  const s = createHmac("sha256", key)
    .update(payload + String(unixSeconds))
    .digest("hex");
  return `t=${unixSeconds}&s=${s}`;
}

export function signatureHeader(payload: string, signingKey: string, now = Date.now()): string {
  return signatureFor(payload, signingKey, Math.floor(now / 1000));
}

/** The bearer token the SDK presents for a signing key. */
export function hashedSigningKey(signingKey: string): string {
  const prefix = PREFIX.exec(signingKey)?.[0] ?? "";
  const hex = signingKey.replace(PREFIX, "");
  return prefix + createHash("sha256").update(Buffer.from(hex, "hex")).digest("hex");
}

/** Whether an Authorization header carries the bearer token for `signingKey`. */
export function bearerMatches(authorization: string | undefined, signingKey: string): boolean {
  const token = /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1] ?? "";
  return safeEqual(token, hashedSigningKey(signingKey));
}

export { safeEqual };
