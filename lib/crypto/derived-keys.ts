// Purpose-bound keys derived from AUTH_SECRET with HKDF, so one root secret never
// serves two purposes directly (ticket signing, refresh token MACs, ...).
import { hkdfSync } from "node:crypto";
import { serverEnv } from "@/lib/env";

const cache = new Map<string, Buffer>();

export type KeyPurpose = "sign-in-ticket" | "refresh-token" | "access-token" | "mfa-challenge" | "recovery-code" | "operator-challenge" | "operator-session";

export function derivedKey(purpose: KeyPurpose, secret = serverEnv().AUTH_SECRET): Buffer {
  const cacheKey = `${purpose}\u0000${secret}`;
  let key = cache.get(cacheKey);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, "tenant-platform", purpose, 32));
    cache.set(cacheKey, key);
  }
  return key;
}
