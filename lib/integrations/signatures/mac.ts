// HMAC-SHA256 over raw bytes, and the constant-time match of provided signatures
// against expected ones.
import { createHmac } from "node:crypto";
import { safeEqual } from "@/lib/crypto/compare";

export function hmacSha256(key: string | Uint8Array, ...parts: ReadonlyArray<string | Uint8Array>): Buffer {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Whether any provided signature equals any expected one. Every pair is compared
 * (no early exit) with `safeEqual`, which hashes both sides first, so timing says
 * nothing about how close a guess was. Both lists hold canonical encodings.
 */
export function anyMatches(expected: readonly string[], provided: readonly string[]): boolean {
  let matched = false;
  for (const e of expected) for (const p of provided) if (safeEqual(e, p)) matched = true;
  return matched;
}
