// Every column of a tenant table that holds `seal()` output (lib/crypto/secret-box.ts),
// with the AAD its values are sealed with. Key rotation (`npm run secrets:rotate`,
// lib/crypto/rotate-secrets.ts) walks exactly this list, so a new sealed column must be
// added here or its values stop opening once the old key is removed from ENCRYPTION_KEYS.
// The AAD functions are the writers' own, never restated here.
import { mfaSecretAad } from "@/lib/auth/mfa-secret";
import { integrationSecretAad } from "@/lib/integrations/secrets";

export interface SealedColumn {
  /** The tenant table (SQL name). Every such table is keyed by a uuid `id` column. */
  readonly table: string;
  /** The column (SQL name) holding a sealed value or NULL. */
  readonly column: string;
  /** The AAD the value in row `id` of tenant `slug` is sealed with. */
  readonly aad: (slug: string, id: string) => string;
}

export const sealedColumns: readonly SealedColumn[] = [
  // A pending TOTP secret becomes mfa_secret unchanged on confirmation: one AAD for both.
  { table: "users", column: "mfa_secret", aad: mfaSecretAad },
  { table: "users", column: "mfa_pending_secret", aad: mfaSecretAad },
  { table: "integrations", column: "secret_sealed", aad: (slug, id) => integrationSecretAad(slug, id, "secret_sealed") },
  { table: "integrations", column: "previous_secret_sealed", aad: (slug, id) => integrationSecretAad(slug, id, "previous_secret_sealed") },
];
