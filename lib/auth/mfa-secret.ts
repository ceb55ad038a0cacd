// TOTP secrets are stored sealed, bound to their tenant and user so a copied value
// does not open in another row.
import { open, seal } from "@/lib/crypto/secret-box";

const aad = (slug: string, userId: string) => `mfa:${slug}:${userId}`;

export function sealMfaSecret(slug: string, userId: string, secretBase32: string): string {
  return seal(secretBase32, aad(slug, userId));
}

export function openMfaSecret(slug: string, userId: string, sealed: string): string {
  return open(sealed, aad(slug, userId));
}
