// integration/webhook.received -> the inbox row is applied to the tenant's data.
// Concurrency is keyed by tenant, so one tenant's flood queues behind itself and
// cannot starve the others.
import type { Inngest } from "inngest";
import {
  applyWebhookEvent,
  forwardWebhookEvent,
  markAttemptFailed,
  markDead,
  markProcessed,
} from "@/lib/integrations/inbox/process-webhook";
import { webhookReceived } from "../client";
import { errorMessage, toStepError } from "./step-errors";

export const processWebhookRetries = 4;

/** Runs a step's work; a failure is written on the row before the engine sees it. */
async function attempt<T>(tenant: string, eventId: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    await markAttemptFailed(tenant, eventId, errorMessage(err));
    throw toStepError(err);
  }
}

export function processWebhook(inngest: Inngest) {
  return inngest.createFunction(
    {
      id: "process-webhook",
      triggers: [webhookReceived],
      retries: processWebhookRetries,
      concurrency: [{ key: "event.data.tenant", limit: 4 }],
      onFailure: async ({ event, error, step }) => {
        const { tenant, eventId } = webhookReceived.schema.parse(event.data.event.data);
        await step.run("dead-letter", () => markDead(tenant, eventId, error.message));
      },
    },
    async ({ event, step }) => {
      const { tenant, eventId } = event.data;
      // Applying is idempotent and one transaction, so it runs outside a step: most events
      // then finish in a single call from the engine (a step costs a second call). When
      // the integration forwards, the later steps are memoised and apply re-runs as a no-op.
      const applied = await attempt(tenant, eventId, () => applyWebhookEvent(tenant, eventId));
      if (applied.alreadyProcessed) return { eventId, skipped: "already processed" };
      if (applied.forwards) {
        await step.run("forward", () => attempt(tenant, eventId, () => forwardWebhookEvent(tenant, eventId)));
        await step.run("complete", () => markProcessed(tenant, eventId));
      }
      return { eventId, externalId: applied.externalId, outcome: applied.outcome };
    },
  );
}
