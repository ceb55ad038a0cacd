// An integration's secret (webhook signing secret or the external API's token), sealed
// with lib/crypto/secret-box.ts and bound to tenant, row and column, so a ciphertext
// copied to another row or tenant does not open. `npm run secrets:rotate` re-seals.
import { open, seal } from "@/lib/crypto/secret-box";

export type SecretColumn = "secret_sealed" | "previous_secret_sealed";

export function integrationSecretAad(slug: string, integrationId: string, column: SecretColumn): string {
  return `integration:${slug}:${integrationId}:${column}`;
}

export function sealIntegrationSecret(slug: string, integrationId: string, column: SecretColumn, secret: string): string {
  return seal(secret, integrationSecretAad(slug, integrationId, column));
}

export function openIntegrationSecret(slug: string, integrationId: string, column: SecretColumn, sealed: string): string {
  return open(sealed, integrationSecretAad(slug, integrationId, column));
}

/** The secrets a webhook signature may be made with: the current one, and the previous one during its grace period. */
export function webhookSecrets(
  slug: string,
  row: { id: string; secretSealed: string | null; previousSecretSealed: string | null; previousSecretExpiresAt: Date | null },
  now = new Date(),
): string[] {
  const secrets: string[] = [];
  if (row.secretSealed) secrets.push(openIntegrationSecret(slug, row.id, "secret_sealed", row.secretSealed));
  if (row.previousSecretSealed && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now) {
    secrets.push(openIntegrationSecret(slug, row.id, "previous_secret_sealed", row.previousSecretSealed));
  }
  return secrets;
}
