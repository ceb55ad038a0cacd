// Hands inbox rows to the workflow engine. A row is marked dispatched only after the
// engine acknowledged the event; until then the reconciler (a cron function and a pass
// at start-up) keeps offering it, so an accepted webhook is never lost. The event id is
// derived from the row and its generation, so a row offered twice starts one run (the
// engine deduplicates by id), and a replay, which bumps the generation, is a new event
// on every path (its own send, or the reconciler's).
// Under load both halves are coalesced: the sends of concurrent deliveries go out as one
// engine request (lib/jobs/send.ts), and the rows that request acknowledged are marked
// with one statement per tenant (./mark-dispatched.ts).
import { webhookReceived } from "@/lib/jobs/events";
import { sendJobs } from "@/lib/jobs/send";
import { markDispatched } from "./mark-dispatched";

export interface InboxRef {
  id: string;
  integrationId: string;
  generation: number;
}

export function engineEventId(slug: string, row: InboxRef): string {
  return `webhook-${slug}-${row.id}-${row.generation}`;
}

/** Sends one event per row; returns how many the engine acknowledged. Never throws. */
export async function dispatchInboxRows(slug: string, rows: InboxRef[]): Promise<number> {
  if (!rows.length) return 0;
  try {
    await sendJobs(rows.map((r) => webhookReceived.create({ tenant: slug, integrationId: r.integrationId, eventId: r.id }, { id: engineEventId(slug, r) })));
  } catch (err) {
    console.warn(`[inbox] ${rows.length} event(s) of ${slug} not handed to the workflow engine yet (the reconciler retries): ${err instanceof Error ? err.message : String(err)}`);
    return 0;
  }
  try {
    await markDispatched(slug, rows);
  } catch (err) {
    // The engine has them; the reconciler's second offer is dropped by event id.
    console.warn(`[inbox] ${rows.length} dispatched event(s) of ${slug} not marked yet: ${err instanceof Error ? err.message : String(err)}`);
  }
  return rows.length;
}
