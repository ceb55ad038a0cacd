// Hands inbox rows to the workflow engine. A row is marked dispatched only after the
// engine acknowledged the event; until then it is offered again (within seconds by this
// process's recovery loop, ./recovery.ts; by the reconciler, a cron function and a pass
// at start-up, in any case), so an accepted webhook is never lost. The event id is
// derived from the row and its generation, so a row offered twice starts one run (the
// engine deduplicates by id), and a replay, which bumps the generation, is a new event
// on every path (its own send, or the reconciler's).
// Under load both halves are coalesced: the sends of concurrent deliveries go out as one
// engine request (lib/jobs/send.ts), and the rows that request acknowledged are marked
// with one statement per tenant (./mark-dispatched.ts).
import { webhookReceived } from "@/lib/jobs/events";
import { sendJobs } from "@/lib/jobs/send";
import { markDispatched } from "./mark-dispatched";
import { scheduleRecovery } from "./recovery";
import { log } from "@/lib/observability/logger";

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
    warn(`${rows.length} event(s) of ${slug} not handed to the workflow engine yet (retried within seconds): ${errorText(err)}`);
    scheduleRecovery(slug);
    return 0;
  }
  try {
    await markDispatched(slug, rows);
  } catch (err) {
    // The engine has them; the second offer (recovery, reconciler) is dropped by event id.
    warn(`${rows.length} dispatched event(s) of ${slug} not marked yet: ${errorText(err)}`);
    scheduleRecovery(slug);
  }
  return rows.length;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Logging must not make the function throw either. */
function warn(message: string): void {
  try {
    log().warn({ component: "inbox" }, message);
  } catch {
    // nothing to do
  }
}
