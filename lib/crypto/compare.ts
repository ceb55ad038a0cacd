import { createHash, timingSafeEqual } from "node:crypto";

/** Constant-time string equality (both sides hashed first, so lengths leak nothing). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function sha256Hex(value: string | Uint8Array): string {
  return typeof value === "string" ? createHash("sha256").update(value, "utf8").digest("hex") : createHash("sha256").update(value).digest("hex");
}
