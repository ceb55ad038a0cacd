// What the API and UI show of an integration: never a secret, only whether one is set.
import type { Integration } from "@/lib/db/generated/tenant/client";
import { parseSettings, type IntegrationKind, type RestSettings, type WebhookScheme, type WebhookSettings } from "./settings";

export interface IntegrationView {
  id: string;
  name: string;
  kind: IntegrationKind;
  status: "active" | "paused";
  scheme: WebhookScheme | null;
  settings: WebhookSettings | RestSettings;
  hasSecret: boolean;
  /** Until when the previous webhook secret still verifies (after a rotation). */
  previousSecretExpiresAt: string | null;
  secretRotatedAt: string | null;
  /** Where the provider delivers (webhook integrations), on the tenant's host. */
  webhookPath: string | null;
  /** The organization it belongs to, or null (the whole tenant's). */
  organizationId: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toIntegrationView(row: Integration): IntegrationView {
  const kind = row.kind as IntegrationKind;
  const now = new Date();
  return {
    id: row.id,
    name: row.name,
    kind,
    status: row.status === "paused" ? "paused" : "active",
    scheme: (row.scheme as WebhookScheme | null) ?? null,
    settings: parseSettings(kind, row.settings),
    hasSecret: row.secretSealed !== null,
    previousSecretExpiresAt: row.previousSecretExpiresAt && row.previousSecretExpiresAt > now ? row.previousSecretExpiresAt.toISOString() : null,
    secretRotatedAt: row.secretRotatedAt?.toISOString() ?? null,
    webhookPath: kind === "webhook" ? `/api/webhooks/${row.id}` : null,
    organizationId: row.organizationId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
