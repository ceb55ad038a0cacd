// The inbox's event-driven series: deliveries by outcome, processing lag. Its gauges
// (backlog, dead letters, stuck rows) are read from the database on scrape
// (lib/observability/collectors.ts).
import { AppError } from "@/lib/errors/app-error";
import { counter, histogram } from "@/lib/observability/metrics";

const deliveryOutcomes = ["accepted", "duplicate", "refused", "rate_limited", "error"] as const;
const refusalReasons = [
  "none",
  "unknown_integration",
  "integration_paused",
  "missing_signature",
  "malformed_signature",
  "bad_signature",
  "stale_timestamp",
  "missing_event_id",
  "too_large",
  "payload_too_large",
  "bad_request",
  "not_found",
  "unauthorized",
  "unavailable",
] as const;

export const webhookDeliveries = counter({
  name: "platform_webhook_deliveries_total",
  help: "Webhook deliveries by outcome (accepted, duplicate, refused, rate_limited, error) and refusal reason.",
  labels: { outcome: deliveryOutcomes, reason: refusalReasons },
});

/** Counts one delivery's outcome, from its answer or its error. */
export async function countedDelivery<T extends { duplicate: boolean }>(work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    webhookDeliveries.inc({ outcome: result.duplicate ? "duplicate" : "accepted", reason: "none" });
    return result;
  } catch (err) {
    if (err instanceof AppError && err.code === "rate_limited") webhookDeliveries.inc({ outcome: "rate_limited", reason: "none" });
    else if (err instanceof AppError && err.status < 500) webhookDeliveries.inc({ outcome: "refused", reason: err.reason ?? err.code });
    else webhookDeliveries.inc({ outcome: "error", reason: "none" });
    throw err;
  }
}

export const processingLag = histogram({
  name: "platform_webhook_processing_lag_seconds",
  help: "Time from a webhook's receipt to its processing (its row becoming processed).",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
});

export function observeProcessed(receivedAt: Date[] | Date, processedAt = new Date()): void {
  for (const at of Array.isArray(receivedAt) ? receivedAt : [receivedAt]) processingLag.observe({}, Math.max(0, (processedAt.getTime() - at.getTime()) / 1000));
}
