// The integration a delivery names, as the webhook path needs it, served from memory:
// the row without its ciphertexts, its settings parsed and its secrets already opened
// (AES-GCM once per change, not per request). Shared cache keyed `${slug}:${id}`,
// grouped by tenant: withAudit drops the tenant's group on every instance after any
// transaction that touched `integrations` (create, edit, pause, rotate, delete, key
// re-sealing), so a rotation or pause applies everywhere within the bus's 1 s bound.
import { z } from "zod";
import { sharedCache } from "@/lib/cache/shared-cache";
import { tenantCaches } from "@/lib/cache/tenant-write-tracking";
import type { Integration } from "@/lib/db/generated/tenant/client";
import { tenantDb } from "@/lib/db/tenant-client";
import { openWebhookSecrets, type OpenedWebhookSecrets } from "../secrets";
import { webhookSettingsSchema, type WebhookScheme, type WebhookSettings } from "../settings";

export type IntegrationSummary = Omit<Integration, "secretSealed" | "previousSecretSealed">;

export interface WebhookTarget {
  integration: IntegrationSummary;
  /** Set for a webhook integration (active or paused); null for a rest one. */
  webhook: { scheme: WebhookScheme; settings: WebhookSettings; secrets: OpenedWebhookSecrets } | null;
}

const uuid = z.uuid();

// null caches "no such integration", so a flood of unknown ids does not reach the
// database either; creating one drops the tenant's group like any other write.
const cache = sharedCache<WebhookTarget | null>({ name: tenantCaches.integrations.cache, max: 20_000, ttlMs: 5 * 60_000 });

async function load(slug: string, id: string): Promise<WebhookTarget | null> {
  const row = await tenantDb(slug).integration.findUnique({ where: { id } });
  if (!row) return null;
  const { secretSealed: _s, previousSecretSealed: _p, ...integration } = row;
  const settings = row.kind === "webhook" && row.scheme ? webhookSettingsSchema.safeParse(row.settings) : undefined;
  return {
    integration,
    webhook: settings?.success ? { scheme: row.scheme as WebhookScheme, settings: settings.data, secrets: openWebhookSecrets(slug, row) } : null,
  };
}

/** The integration `id` of tenant `slug` (null: none, or not a uuid), from memory when it can be. */
export function webhookTarget(slug: string, id: string): Promise<WebhookTarget | null> {
  if (!uuid.safeParse(id).success) return Promise.resolve(null);
  return cache.load(`${slug}:${id}`, () => load(slug, id), slug);
}

/** What this process holds for `id` right now, without loading (undefined: nothing cached). */
export function cachedWebhookTarget(slug: string, id: string): WebhookTarget | null | undefined {
  return cache.get(`${slug}:${id}`);
}

/** For tests: forget everything this process cached. */
export function clearWebhookTargets(): void {
  cache.clear();
}
