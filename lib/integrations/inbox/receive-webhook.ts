// An inbound webhook, from raw bytes to a durable inbox row:
//   integration of this tenant, active -> rate limit -> signature -> store (dedup by
//   the provider's event id) -> hand to the engine -> 202 with the inbox id.
// Refusals are audited and store nothing. The row is committed before the answer, so a
// 2xx means the event is in PostgreSQL whatever happens to this process next.
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { recordEvent } from "@/lib/audit/with-audit";
import { sha256Hex } from "@/lib/crypto/compare";
import { AppError } from "@/lib/errors/app-error";
import type { RequestMeta } from "@/lib/http/request-meta";
import type { Bucket } from "@/lib/ratelimit/hot-limits";
import { takeRequestLimits } from "@/lib/ratelimit/request-limits";
import { activeWebhookSecrets } from "../secrets";
import { defaultReplayWindowSeconds } from "../settings";
import { signsEventId, verifyWebhook, type HeadersLike } from "../signatures";
import { dispatchInboxRows } from "./dispatch";
import { eventTypeOf, keptHeadersOf } from "./event-type";
import { isMissingIntegration, storeInboxEvent } from "./store-event";
import { webhookTarget, type IntegrationSummary } from "./webhook-target";
import { replaceControlCharacters } from "@/lib/zod/text";
import { log } from "@/lib/observability/logger";

export const maxWebhookBytes = 1024 * 1024;

export interface ReceivedWebhook {
  id: string;
  duplicate: boolean;
  /** The engine acknowledged the event (false: it failed, or the send was deferred). */
  dispatched: boolean;
}

/** Who sends: the integration once it is known, else an anonymous sender. */
function senderContext(meta: RequestMeta, integration?: IntegrationSummary): AuditContext {
  return {
    actorType: integration ? "webhook" : "anonymous",
    actorId: integration?.id,
    actorLabel: integration ? `webhook ${integration.name}` : "webhook sender",
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
  };
}

async function reject(slug: string, meta: RequestMeta, integrationId: string, integration: IntegrationSummary | undefined, error: AppError): Promise<never> {
  await recordEvent(slug, senderContext(meta, integration), {
    action: auditActions.webhookRejected,
    targetType: "integration",
    // The id comes from the path: a %00 in it would make PostgreSQL refuse the whole row.
    targetId: replaceControlCharacters(integrationId.slice(0, 200)),
    summary: `webhook refused: ${error.message}`,
    metadata: { reason: error.reason ?? error.code, status: error.status },
  }).catch((err: unknown) => log().error({ err, component: "webhooks" }, "could not audit a refused webhook"));
  throw error;
}

/** Without a request wrapper (tests, tools): the integration's bucket alone, same 429. */
async function takeOwnLimits(extra: Bucket[]): Promise<void> {
  if (extra.length) await takeRequestLimits(extra);
}

export async function receiveWebhook(input: {
  slug: string;
  integrationId: string;
  headers: HeadersLike;
  body: Buffer;
  meta: RequestMeta;
  now?: Date;
  /**
   * Takes the request's rate limits plus `extra` in one Redis round trip and throws the
   * 429 (the route passes the request context's takeLimits, so the tenant's API bucket
   * and the integration's are taken together). Called exactly once per delivery.
   */
  takeLimits?: (extra: Bucket[]) => Promise<void>;
  /**
   * Runs the send to the engine later (the route passes Next's `after`, so the 202 does
   * not wait on the engine). The row is committed either way; a send that never
   * happens is the reconciler's.
   */
  defer?: (task: () => Promise<unknown>) => void;
}): Promise<ReceivedWebhook> {
  const { slug, integrationId, headers, body, meta } = input;
  const takeLimits = input.takeLimits ?? takeOwnLimits;
  // A refusal before the integration's bucket still counts against the tenant's, so a
  // flood of bad ids is limited before it costs an audit row each.
  const refuse = async (integration: IntegrationSummary | undefined, error: AppError): Promise<never> => {
    await takeLimits([]);
    return reject(slug, meta, integrationId, integration, error);
  };
  const notFound = new AppError("not_found", "No active webhook integration with this id.", [], { reason: "unknown_integration" });
  const target = await webhookTarget(slug, integrationId);
  if (!target) return refuse(undefined, notFound);
  const { integration, webhook } = target;
  if (!webhook) return refuse(integration, notFound);
  if (integration.status !== "active") {
    return refuse(integration, new AppError("not_found", "This webhook integration is paused.", [], { reason: "integration_paused" }));
  }
  const { settings, scheme } = webhook;

  // Limited per integration, in the same round trip as the tenant's limit; providers
  // retry on 429 after Retry-After.
  await takeLimits([{ bucket: "webhook", key: `${slug}:${integration.id}`, limit: settings.rateLimitPerMinute, windowSeconds: 60 }]);

  const verification = verifyWebhook({
    scheme,
    secrets: activeWebhookSecrets(webhook.secrets, input.now),
    headers,
    body,
    options: { signatureHeader: settings.signatureHeader, eventIdHeader: settings.eventIdHeader },
    now: input.now,
  });
  if (!verification.ok) {
    return reject(
      slug,
      meta,
      integrationId,
      integration,
      new AppError("unauthorized", `Webhook signature not accepted: ${verification.message}`, [], { reason: verification.reason }),
    );
  }

  let stored;
  try {
    // ON CONFLICT inside: a redelivery (same provider event id) stores nothing new, even
    // when two copies arrive at the same moment. Where the event id is not signed, a
    // body already stored within the window is a duplicate too (a replay under a new id).
    stored = await storeInboxEvent(slug, senderContext(meta, integration), {
      integrationId: integration.id,
      providerEventId: verification.eventId,
      eventType: eventTypeOf(scheme, headers, body),
      headers: keptHeadersOf(headers, settings.eventIdHeader),
      body,
      bodySha256: sha256Hex(body),
      bodyWindowSeconds: signsEventId(scheme) ? null : (settings.replayWindowSeconds ?? defaultReplayWindowSeconds),
    });
  } catch (err) {
    // Deleted since the cache read it (the invalidation is on its way).
    if (isMissingIntegration(err)) return reject(slug, meta, integrationId, undefined, notFound);
    throw err;
  }
  if (stored.duplicate) return { ...stored, dispatched: false };
  const send = () => dispatchInboxRows(slug, [{ id: stored.id, integrationId: integration.id, generation: 0 }]);
  if (input.defer) {
    input.defer(send);
    return { ...stored, dispatched: false };
  }
  return { ...stored, dispatched: (await send()) === 1 };
}
