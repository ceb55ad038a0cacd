// Ten one-time recovery codes: random, shown once, stored as an HMAC keyed from
// AUTH_SECRET over tenant, user and code (50 bits of randomness each: keyed and bound
// to their user, a database dump alone cannot be brute-forced). Entered with or
// without the dash.
import { createHmac, randomInt } from "node:crypto";
import { derivedKey } from "@/lib/crypto/derived-keys";

const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"; // no 0/o, 1/l/i
export const recoveryCodeCount = 10;

export function newRecoveryCodes(): string[] {
  return Array.from({ length: recoveryCodeCount }, () => {
    const chars = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join("");
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

export function normalizeRecoveryCode(code: string): string {
  return code.trim().toLowerCase().replace(/[\s-]/g, "");
}

export function hashRecoveryCode(tenant: string, userId: string, code: string): string {
  return createHmac("sha256", derivedKey("recovery-code"))
    .update(`${tenant}:${userId}:${normalizeRecoveryCode(code)}`)
    .digest("hex");
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[a-z0-9]{10}$/.test(normalizeRecoveryCode(code));
}
