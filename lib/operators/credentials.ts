// An operator's secrets at rest: the password as an argon2id hash (lib/auth/passwords),
// the TOTP secret sealed (lib/crypto/secret-box) and bound to the operator's id, so a
// value copied to another row does not open.
import { randomBytes } from "node:crypto";
import { open, seal } from "@/lib/crypto/secret-box";

const aad = (operatorId: string) => `operator-totp:${operatorId}`;

export function sealOperatorTotp(operatorId: string, secretBase32: string): string {
  return seal(secretBase32, aad(operatorId));
}

export function openOperatorTotp(operatorId: string, sealed: string): string {
  return open(sealed, aad(operatorId));
}

/** How long the CLI's one-time setup password works. */
export const setupPasswordTtlMs = 24 * 3600_000;

/** 24 characters of base64url: 144 bits, printed once by the CLI, stored only as a hash. */
export function newSetupPassword(): string {
  return randomBytes(18).toString("base64url");
}
