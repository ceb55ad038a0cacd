// An inbound webhook, from raw bytes to a durable inbox row:
//   integration of this tenant, active -> rate limit -> signature -> store (dedup by
//   the provider's event id) -> hand to the engine -> 202 with the inbox id.
// Refusals are audited and store nothing. The row is committed before the answer, so a
// 2xx means the event is in PostgreSQL whatever happens to this process next.
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { recordEvent, withAudit } from "@/lib/audit/with-audit";
import { sha256Hex } from "@/lib/crypto/compare";
import { quoteIdent } from "@/lib/db/identifier";
import type { Integration } from "@/lib/db/generated/tenant/client";
import { AppError } from "@/lib/errors/app-error";
import type { RequestMeta } from "@/lib/http/request-meta";
import { consume } from "@/lib/ratelimit/limiter";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { loadIntegration } from "../integrations";
import { webhookSecrets } from "../secrets";
import { webhookSettingsSchema, type WebhookScheme } from "../settings";
import { verifyWebhook, type HeadersLike } from "../signatures";
import { dispatchInboxRows } from "./dispatch";
import { eventTypeOf, keptHeadersOf } from "./event-type";

export const maxWebhookBytes = 1024 * 1024;

export interface ReceivedWebhook {
  id: string;
  duplicate: boolean;
  /** The engine acknowledged the event (false: it failed, or the send was deferred). */
  dispatched: boolean;
}

/** Who sends: the integration once it is known, else an anonymous sender. */
function senderContext(meta: RequestMeta, integration?: Integration): AuditContext {
  return {
    actorType: integration ? "webhook" : "anonymous",
    actorId: integration?.id,
    actorLabel: integration ? `webhook ${integration.name}` : "webhook sender",
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
  };
}

async function reject(slug: string, meta: RequestMeta, integrationId: string, integration: Integration | undefined, error: AppError): Promise<never> {
  await recordEvent(slug, senderContext(meta, integration), {
    action: auditActions.webhookRejected,
    targetType: "integration",
    targetId: integrationId.slice(0, 200),
    summary: `webhook refused: ${error.message}`,
    metadata: { reason: error.reason ?? error.code, status: error.status },
  }).catch((err: unknown) => console.error("[webhooks] could not audit a refused webhook:", err instanceof Error ? err.message : err));
  throw error;
}

export async function receiveWebhook(input: {
  slug: string;
  integrationId: string;
  headers: HeadersLike;
  body: Buffer;
  meta: RequestMeta;
  now?: Date;
  /**
   * Runs the send to the engine later (the route passes Next's `after`, so the 202 does
   * not wait on the engine). The row is committed either way; a send that never
   * happens is the reconciler's.
   */
  defer?: (task: () => Promise<unknown>) => void;
}): Promise<ReceivedWebhook> {
  const { slug, integrationId, headers, body, meta } = input;
  const notFound = new AppError("not_found", "No active webhook integration with this id.", [], { reason: "unknown_integration" });
  let integration: Integration;
  try {
    integration = await loadIntegration(slug, integrationId);
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") return reject(slug, meta, integrationId, undefined, notFound);
    throw err;
  }
  if (integration.kind !== "webhook" || !integration.scheme) return reject(slug, meta, integrationId, integration, notFound);
  if (integration.status !== "active") {
    return reject(slug, meta, integrationId, integration, new AppError("not_found", "This webhook integration is paused.", [], { reason: "integration_paused" }));
  }
  const settings = webhookSettingsSchema.parse(integration.settings);
  const scheme = integration.scheme as WebhookScheme;

  // Limited per integration; providers retry on 429 after Retry-After.
  const limit = await consume({ bucket: "webhook", key: `${slug}:${integration.id}`, limit: settings.rateLimitPerMinute, windowSeconds: 60, onFailure: "open" });
  if (!limit.allowed) {
    throw new AppError("rate_limited", "Too many deliveries for this integration; retry later.", [], {
      headers: { "Retry-After": String(Math.max(1, limit.resetSeconds)) },
      reason: "rate_limited",
    });
  }

  const verification = verifyWebhook({
    scheme,
    secrets: webhookSecrets(slug, integration, input.now),
    headers,
    body,
    options: { signatureHeader: settings.signatureHeader, eventIdHeader: settings.eventIdHeader },
    now: input.now,
  });
  if (!verification.ok) {
    return reject(slug, meta, integrationId, integration, new AppError("unauthorized", `Webhook signature not accepted: ${verification.message}`, [], { reason: verification.reason }));
  }

  const ctx = senderContext(meta, integration);
  const table = `${quoteIdent(schemaNameFor(slug))}.webhook_events`;
  const stored = await withAudit(slug, ctx, async (tx) => {
    // ON CONFLICT: a redelivery (same provider event id) stores nothing new, even when
    // two copies arrive at the same moment.
    const inserted = await tx.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO ${table} (id, integration_id, provider_event_id, event_type, headers, body, body_sha256, updated_at)
       VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4::jsonb, $5, $6, now())
       ON CONFLICT (integration_id, provider_event_id) DO NOTHING
       RETURNING id`,
      integration.id,
      verification.eventId,
      eventTypeOf(scheme, headers, body),
      JSON.stringify(keptHeadersOf(headers, settings.eventIdHeader)),
      body,
      sha256Hex(body),
    );
    if (inserted[0]) return { id: inserted[0].id, duplicate: false };
    const existing = await tx.webhookEvent.findUniqueOrThrow({
      where: { integrationId_providerEventId: { integrationId: integration.id, providerEventId: verification.eventId } },
      select: { id: true },
    });
    return { id: existing.id, duplicate: true };
  });
  if (stored.duplicate) return { ...stored, dispatched: false };
  const send = () => dispatchInboxRows(slug, [{ id: stored.id, integrationId: integration.id, generation: 0 }]);
  if (input.defer) {
    input.defer(send);
    return { ...stored, dispatched: false };
  }
  return { ...stored, dispatched: (await send()) === 1 };
}
