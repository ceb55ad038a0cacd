// Hands inbox rows to the workflow engine. A row is marked dispatched only after the
// engine acknowledged the event; until then the reconciler (a cron function and a pass
// at start-up) keeps offering it, so an accepted webhook is never lost. The event id is
// derived from the row and its generation, so a row offered twice starts one run (the
// engine deduplicates by id), and a replay, which bumps the generation, is a new event
// on every path (its own send, or the reconciler's).
import { withTimeout } from "@/lib/async/with-timeout";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { getInngest, webhookReceived } from "@/inngest/client";

const sendTimeoutMs = 3_000;

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
    await withTimeout(
      getInngest().send(
        rows.map((r) =>
          webhookReceived.create(
            { tenant: slug, integrationId: r.integrationId, eventId: r.id },
            { id: engineEventId(slug, r) },
          ),
        ),
      ),
      sendTimeoutMs,
      () => new Error(`the workflow engine did not answer within ${sendTimeoutMs} ms`),
    );
  } catch (err) {
    console.warn(`[inbox] ${rows.length} event(s) of ${slug} not handed to the workflow engine yet (the reconciler retries): ${err instanceof Error ? err.message : String(err)}`);
    return 0;
  }
  await withAudit(slug, systemContext("inbox dispatch"), (tx) =>
    // Only the generation that was sent: a replay that raced this send stays undispatched.
    tx.webhookEvent.updateMany({
      where: { OR: rows.map((r) => ({ id: r.id, generation: r.generation })), dispatchedAt: null },
      data: { dispatchedAt: new Date() },
    }),
  );
  return rows.length;
}
