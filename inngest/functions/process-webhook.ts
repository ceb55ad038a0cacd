// Inbox rows -> the tenant's data, in two functions:
//   process-webhook-batch  integration/webhook.received, batched per tenant: applies up
//                          to 100 of a tenant's events per run (lib/.../process-batch.ts)
//                          and hands on, one by one, what a batch cannot finish.
//   process-webhook        integration/webhook.single, one event per run: forwarding
//                          events and events whose attempt failed, with the engine's
//                          retries and the dead-letter state per event, so a poison
//                          event never takes its neighbours down with it.
// Concurrency is keyed by tenant on both, so one tenant's flood queues behind itself and
// cannot starve the others (batches are keyed by tenant too, so a batch run's first
// event names the tenant of all of them).
import type { Inngest } from "inngest";
import { NonRetriableError } from "inngest";
import { applyWebhookBatch } from "@/lib/integrations/inbox/process-batch";
import { applyWebhookEvent, forwardWebhookEvent, markAttemptFailed, markDead, markProcessed } from "@/lib/integrations/inbox/process-webhook";
import { workflowRuns } from "@/lib/observability/workflows";
import { isTenantWriteHold } from "@/lib/tenancy/move/write-hold-error";
import { webhookReceived, webhookSingle } from "../client";
import { errorMessage, toStepError } from "./step-errors";

export const processWebhookRetries = 4;
/** Attempts an event gets in all, whichever function makes them (counted on its row). */
export const maxWebhookAttempts = processWebhookRetries + 1;

/**
 * The batch: up to 100 events or 1 s, whichever comes first (Inngest's plan limits allow
 * 100 on Pro). `event` in a batched run is only the first event; `events` is the batch.
 */
export const webhookBatch = { maxSize: 100, timeout: "1s", key: "event.data.tenant" } as const;

/** Runs a step's work; a failure is written on the row before the engine sees it. */
async function attempt<T>(tenant: string, eventId: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    // A tenant move's read-only hold is no attempt of the event: come back when it is over.
    if (isTenantWriteHold(err)) throw toStepError(err);
    const attempts = await markAttemptFailed(tenant, eventId, errorMessage(err));
    const stepError = toStepError(err);
    // The row's count is the truth: attempts a batch already made count too.
    if (attempts >= maxWebhookAttempts && !(stepError instanceof NonRetriableError)) throw new NonRetriableError(stepError.message, { cause: err });
    throw stepError;
  }
}

export function processWebhookBatch(inngest: Inngest) {
  return inngest.createFunction(
    {
      id: "process-webhook-batch",
      triggers: [webhookReceived],
      batchEvents: webhookBatch,
      retries: processWebhookRetries,
      concurrency: [{ key: "event.data.tenant", limit: 2 }],
    },
    async ({ events, step }) => {
      type Group = { ids: string[]; engineIds: Map<string, string>; integrationIds: Map<string, string> };
      const byTenant = new Map<string, Group>();
      for (const e of events) {
        const { tenant, eventId, integrationId } = webhookReceived.schema.parse(e.data);
        const group: Group = byTenant.get(tenant) ?? { ids: [], engineIds: new Map(), integrationIds: new Map() };
        group.ids.push(eventId);
        group.engineIds.set(eventId, e.id ?? eventId);
        group.integrationIds.set(eventId, integrationId);
        byTenant.set(tenant, group);
      }
      const summary = { processed: 0, skipped: 0, handedOff: 0, dead: 0, missing: 0 };
      for (const [tenant, group] of byTenant) {
        // A step, so a re-run of this function (after the hand-off below) does not apply
        // again and a failed event's attempt is counted once.
        const outcome = await step.run(`apply-${tenant}`, async () => {
          const applied = await applyWebhookBatch(tenant, group.ids);
          // Inside the step: counted once, not on every replay of the function body.
          if (applied.dead.length) workflowRuns.inc({ function: "process-webhook-batch", outcome: "dead_lettered" }, applied.dead.length);
          return applied;
        });
        if (outcome.handOff.length) {
          await step.sendEvent(
            `hand-off-${tenant}`,
            outcome.handOff.map((eventId) =>
              // Derived from the batch event's id (row + generation): a re-sent hand-off starts no second run.
              webhookSingle.create({ tenant, integrationId: group.integrationIds.get(eventId)!, eventId }, { id: `${group.engineIds.get(eventId)}-single` }),
            ),
          );
        }
        summary.processed += outcome.processed.length;
        summary.skipped += outcome.skipped.length;
        summary.handedOff += outcome.handOff.length;
        summary.dead += outcome.dead.length;
        summary.missing += outcome.missing.length;
      }
      return summary;
    },
  );
}

export function processWebhook(inngest: Inngest) {
  return inngest.createFunction(
    {
      id: "process-webhook",
      triggers: [webhookSingle],
      retries: processWebhookRetries,
      concurrency: [{ key: "event.data.tenant", limit: 4 }],
      onFailure: async ({ event, error, step }) => {
        const { tenant, eventId } = webhookSingle.schema.parse(event.data.event.data);
        await step.run("dead-letter", async () => {
          await markDead(tenant, eventId, error.message);
          workflowRuns.inc({ function: "process-webhook", outcome: "dead_lettered" });
        });
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
