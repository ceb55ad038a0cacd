// Secrets at rest (TOTP secrets now, integration secrets later): AES-256-GCM under the
// first key of ENCRYPTION_KEYS. The ciphertext names its key id, so keys rotate by
// adding a new one in front; older ciphertexts still open until re-encrypted.
// Format: v1.<kid>.<iv b64url>.<ciphertext b64url>.<tag b64url>
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { serverEnv } from "@/lib/env";

function keys(): { kid: string; key: Buffer }[] {
  return serverEnv().ENCRYPTION_KEYS.map(({ kid, secret }) => ({ kid, key: Buffer.from(secret, "base64") }));
}

/** `aad` binds a ciphertext to where it belongs (e.g. the tenant and row), so it cannot be moved. */
export function seal(plaintext: string, aad: string): string {
  const { kid, key } = keys()[0]!;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", kid, iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

export class SecretBoxError extends Error {}

export function open(sealed: string, aad: string): string {
  const [version, kid, iv, body, tag] = sealed.split(".");
  if (version !== "v1" || !kid || !iv || body === undefined || !tag) throw new SecretBoxError("not a sealed secret");
  const entry = keys().find((k) => k.kid === kid);
  if (!entry) throw new SecretBoxError(`no encryption key with id ${kid} in ENCRYPTION_KEYS`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", entry.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretBoxError("sealed secret failed authentication (wrong key, tampered, or moved)");
  }
}

/** The key id a sealed secret was written with (for rotation). */
export function sealedKeyId(sealed: string): string | undefined {
  return sealed.split(".")[1];
}
