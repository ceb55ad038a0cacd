// In-process recovery after the engine refused or lost sends: without it, rows a failed
// send left undispatched waited for the once-a-minute reconciler (rows older than 30 s),
// so recovery took about 90 s after the engine came back. A tenant whose send failed is
// watched by a short loop (0.5 s, backing off to 2 s) that offers its undispatched rows
// and re-opens rows the engine acknowledged but lost (still `received` past
// INBOX_REDISPATCH_AFTER_SECONDS); a successful send after failures (lib/jobs) runs it at
// once. The tenant leaves the loop when nothing of it waits any more. The cron stays the
// safety net for what this process never saw (another instance, a restart).
import { onSendsRecovered } from "@/lib/jobs/send";
import { log } from "@/lib/observability/logger";
import { reconcileInbox, redispatchAfterMs, reopenStuckRows, unsettledRows } from "./reconcile";

/** Rows younger than this may still be in their own request's send (send timeout 3 s + the mark). */
export const recoveryMinAgeMs = 4_000;
const firstDelayMs = 500;
const maxDelayMs = 2_000;
/** A tenant whose pass fails this often in a row (schema gone, database down) is left to the cron. */
const maxConsecutiveErrors = 10;

interface State {
  pending: Map<string, number>;
  timer?: ReturnType<typeof setTimeout>;
  running: boolean;
  again: boolean;
  delayMs: number;
  enabled: boolean;
  unsubscribe?: () => void;
}

const globalForRecovery = globalThis as unknown as { __inboxRecovery?: State };

function state(): State {
  return (globalForRecovery.__inboxRecovery ??= { pending: new Map(), running: false, again: false, delayMs: firstDelayMs, enabled: true });
}

function arm(s: State, delayMs: number): void {
  if (s.timer || !s.enabled || !s.pending.size) return;
  s.timer = setTimeout(() => {
    s.timer = undefined;
    void tick();
  }, delayMs);
  s.timer.unref?.();
}

async function tick(): Promise<void> {
  const s = state();
  if (s.running) {
    s.again = true;
    return;
  }
  s.running = true;
  let progressed = false;
  try {
    for (const [slug, errors] of [...s.pending]) {
      try {
        if ((await reopenStuckRows({ slugs: [slug], afterMs: redispatchAfterMs() })) > 0) progressed = true;
        const r = await reconcileInbox({ minAgeMs: recoveryMinAgeMs, slugs: [slug] });
        if (r.dispatched > 0) progressed = true;
        const left = await unsettledRows(slug);
        if (!left.undispatched && !left.waiting) s.pending.delete(slug);
        else s.pending.set(slug, 0);
      } catch (err) {
        if (errors + 1 >= maxConsecutiveErrors) s.pending.delete(slug);
        else s.pending.set(slug, errors + 1);
        log().warn({ err, component: "inbox", tenant: slug }, "inbox recovery pass failed");
      }
    }
  } finally {
    s.running = false;
  }
  s.delayMs = progressed ? firstDelayMs : Math.min(s.delayMs * 2, maxDelayMs);
  if (s.again) {
    s.again = false;
    arm(s, 0);
  } else arm(s, s.delayMs);
}

/** A send or a mark for this tenant failed: watch it until its rows are handed over. */
export function scheduleRecovery(slug: string): void {
  const s = state();
  if (!s.enabled) return;
  s.unsubscribe ??= onSendsRecovered(() => {
    const now = state();
    if (!now.pending.size || !now.enabled) return;
    now.delayMs = firstDelayMs;
    clearTimeout(now.timer);
    now.timer = undefined;
    // After the send that noticed it has settled (its rows marked), not in its middle.
    arm(now, 50);
  });
  if (!s.pending.has(slug)) s.pending.set(slug, 0);
  arm(s, s.delayMs);
}

/** Tenants being watched (for tests and the health of this process). */
export function recoveringTenants(): string[] {
  return [...state().pending.keys()];
}

/**
 * For tests that assert what the reconciler itself does: stops the loop (and forgets
 * what it watched); `true` turns it back on.
 */
export function setInboxRecovery(enabled: boolean): void {
  const s = state();
  s.enabled = enabled;
  if (!enabled) {
    clearTimeout(s.timer);
    s.timer = undefined;
    s.pending.clear();
  }
}
