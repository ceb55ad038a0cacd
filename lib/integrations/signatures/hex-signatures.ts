// Parsing of headers carrying hex HMAC-SHA256 signatures (`sha256=<hex>` or bare hex).
// Repeated headers arrive joined by ", ", so a list is accepted; tokens in another
// form (e.g. `sha1=...`) are ignored, as long as one usable signature remains.
import { maxSignatureHeaderLength, maxSignatures } from "./limits";
import { reject, type WebhookRejected } from "./result";

export function parseHexSignatures(value: string, header: string, prefixRequired: boolean): string[] | WebhookRejected {
  if (value.length > maxSignatureHeaderLength) {
    return reject("malformed_signature", `The ${header} header is longer than ${maxSignatureHeaderLength} characters.`);
  }
  const tokens = value.split(/[\s,]+/).filter(Boolean);
  if (tokens.length > maxSignatures) {
    return reject("malformed_signature", `The ${header} header lists ${tokens.length} signatures; at most ${maxSignatures} are accepted.`);
  }
  const pattern = prefixRequired ? /^sha256=([0-9a-f]{64})$/i : /^(?:sha256=)?([0-9a-f]{64})$/i;
  const hexes = tokens.flatMap((t) => {
    const m = pattern.exec(t);
    return m ? [m[1]!.toLowerCase()] : [];
  });
  if (!hexes.length) {
    const form = prefixRequired ? "sha256=<64 hex digits>" : "<64 hex digits> or sha256=<64 hex digits>";
    return reject("malformed_signature", `The ${header} header holds no signature of the form ${form}.`);
  }
  return hexes;
}
