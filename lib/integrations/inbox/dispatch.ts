// Hands inbox rows to the workflow engine. A row is marked dispatched only after the
// engine acknowledged the event; until then the reconciler (a cron function and a pass
// at start-up) keeps offering it, so an accepted webhook is never lost. The event id is
// derived from the row, so a row offered twice starts one run (the engine deduplicates);
// a replay uses a fresh id on purpose.
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { getInngest, webhookReceived } from "@/inngest/client";

const sendTimeoutMs = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the workflow engine did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface InboxRef {
  id: string;
  integrationId: string;
}

/** Sends one event per row; returns how many the engine acknowledged. Never throws. */
export async function dispatchInboxRows(slug: string, rows: InboxRef[], opts: { replay?: boolean } = {}): Promise<number> {
  if (!rows.length) return 0;
  const stamp = Date.now();
  try {
    await withTimeout(
      getInngest().send(
        rows.map((r) =>
          webhookReceived.create(
            { tenant: slug, integrationId: r.integrationId, eventId: r.id },
            { id: opts.replay ? `webhook-${slug}-${r.id}-replay-${stamp}` : `webhook-${slug}-${r.id}` },
          ),
        ),
      ),
      sendTimeoutMs,
    );
  } catch (err) {
    console.warn(`[inbox] ${rows.length} event(s) of ${slug} not handed to the workflow engine yet (the reconciler retries): ${err instanceof Error ? err.message : String(err)}`);
    return 0;
  }
  await withAudit(slug, systemContext("inbox dispatch"), (tx) =>
    tx.webhookEvent.updateMany({ where: { id: { in: rows.map((r) => r.id) }, dispatchedAt: null }, data: { dispatchedAt: new Date() } }),
  );
  return rows.length;
}
