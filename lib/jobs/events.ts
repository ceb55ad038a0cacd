// The platform's engine events and their schemas: the contract between domain code
// (which sends them through ./send.ts) and the functions in inngest/ (which run them).
import { eventType } from "inngest";
import { z } from "zod";
import { slugSchema } from "@/lib/tenancy/slug";

const inboxEventData = z.object({ tenant: slugSchema, integrationId: z.uuid(), eventId: z.uuid() });

/** An inbox row was stored and should be applied (batched per tenant by the engine). */
export const webhookReceived = eventType("integration/webhook.received", { schema: inboxEventData });

/**
 * One inbox row to be processed on its own, with the engine's per-event retries and
 * dead-letter handling: a row a batch could not finish (a failed attempt, a forward).
 */
export const webhookSingle = eventType("integration/webhook.single", { schema: inboxEventData });

export const syncRequested = eventType("integration/sync.requested", {
  schema: z.object({ tenant: slugSchema, integrationId: z.uuid(), trigger: z.enum(["manual", "schedule"]) }),
});
