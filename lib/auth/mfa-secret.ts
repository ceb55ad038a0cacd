// TOTP secrets are stored sealed, bound to their tenant and user so a copied value
// does not open in another row.
import { open, seal } from "@/lib/crypto/secret-box";

/** The AAD of a user's sealed TOTP secret (both `mfa_secret` and `mfa_pending_secret`). */
export const mfaSecretAad = (slug: string, userId: string) => `mfa:${slug}:${userId}`;

export function sealMfaSecret(slug: string, userId: string, secretBase32: string): string {
  return seal(secretBase32, mfaSecretAad(slug, userId));
}

export function openMfaSecret(slug: string, userId: string, sealed: string): string {
  return open(sealed, mfaSecretAad(slug, userId));
}
