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

type SealedSecrets = { id: string; secretSealed: string | null; previousSecretSealed: string | null; previousSecretExpiresAt: Date | null };

/** A webhook integration's secrets, opened: what the in-memory integration cache keeps (never logged). */
export interface OpenedWebhookSecrets {
  current: string | null;
  previous: string | null;
  previousExpiresAt: Date | null;
}

/** Opens both secrets once; the previous one only while its grace period may still matter. */
export function openWebhookSecrets(slug: string, row: SealedSecrets, now = new Date()): OpenedWebhookSecrets {
  const previousLive = Boolean(row.previousSecretSealed && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now);
  return {
    current: row.secretSealed ? openIntegrationSecret(slug, row.id, "secret_sealed", row.secretSealed) : null,
    previous: previousLive ? openIntegrationSecret(slug, row.id, "previous_secret_sealed", row.previousSecretSealed!) : null,
    previousExpiresAt: previousLive ? row.previousSecretExpiresAt : null,
  };
}

/** The secrets a signature may be made with at `now`: the current one, and the previous one during its grace period. */
export function activeWebhookSecrets(opened: OpenedWebhookSecrets, now = new Date()): string[] {
  const secrets: string[] = [];
  if (opened.current !== null) secrets.push(opened.current);
  if (opened.previous !== null && opened.previousExpiresAt && opened.previousExpiresAt > now) secrets.push(opened.previous);
  return secrets;
}

/** The secrets a webhook signature may be made with: the current one, and the previous one during its grace period. */
export function webhookSecrets(slug: string, row: SealedSecrets, now = new Date()): string[] {
  return activeWebhookSecrets(openWebhookSecrets(slug, row, now), now);
}
