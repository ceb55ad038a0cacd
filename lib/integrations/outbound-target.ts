// A rest integration as the outbound client's target: its settings and opened token.
import type { Integration } from "@/lib/db/generated/tenant/client";
import { AppError } from "@/lib/errors/app-error";
import type { OutboundTarget } from "./outbound/types";
import { openIntegrationSecret } from "./secrets";
import { restSettingsSchema } from "./settings";

export function outboundTargetOf(slug: string, row: Integration): OutboundTarget {
  if (row.kind !== "rest") throw new AppError("bad_request", `Integration ${row.name} is not a rest integration.`);
  const settings = restSettingsSchema.parse(row.settings);
  return {
    tenantSlug: slug,
    integrationId: row.id,
    integrationName: row.name,
    baseUrl: settings.baseUrl,
    token: row.secretSealed ? openIntegrationSecret(slug, row.id, "secret_sealed", row.secretSealed) : undefined,
    timeoutMs: settings.timeoutMs,
    maxAttempts: settings.maxAttempts,
    rateLimitPerMinute: settings.rateLimitPerMinute,
    failureThreshold: settings.failureThreshold,
    openSeconds: settings.openSeconds,
  };
}
