// ULIDs (48-bit ms time + 80 random bits, Crockford base32), the id format Inngest
// uses for runs and events.
import { createHash, randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export function ulid(timeMs = Date.now(), entropy: Uint8Array = randomBytes(10)): string {
  let time = "";
  let t = Math.max(0, Math.floor(timeMs));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET.charAt(t % 32) + time;
    t = Math.floor(t / 32);
  }
  let bits = 0n;
  for (const byte of entropy.subarray(0, 10)) bits = (bits << 8n) | BigInt(byte);
  let rand = "";
  for (let i = 0; i < 16; i++) {
    rand = ALPHABET.charAt(Number(bits & 31n)) + rand;
    bits >>= 5n;
  }
  return time + rand;
}

/**
 * Event ids derived from the SDK's `x-inngest-event-id-seed: <ms>,<base64 entropy>`
 * header. The SDK sends the same seed when it retries a send, so a retried send gets
 * the same ids and is recognised as a duplicate instead of triggering twice.
 */
export function seededEventIds(seed: string | undefined, count: number): string[] | undefined {
  const m = /^(\d{1,15}),([A-Za-z0-9+/]+={0,2})$/.exec(seed?.trim() ?? "");
  if (!m) return undefined;
  const entropy = Buffer.from(m[2] ?? "", "base64");
  if (entropy.length < 8) return undefined;
  const time = Number(m[1]);
  return Array.from({ length: count }, (_, i) => {
    const bytes = createHash("sha256").update(entropy).update(String(i)).digest();
    return ulid(time, bytes.subarray(0, 10));
  });
}
