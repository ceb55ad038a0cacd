// Sending to the workflow engine, coalesced: events sent within a few ms of each other
// (every webhook's dispatch under load) go to the engine as one `inngest.send([...])`,
// one HTTP request instead of one per event. Each caller learns whether its events were
// acknowledged; the engine deduplicates by event id, so a batch sent twice is harmless.
import { withTimeout } from "@/lib/async/with-timeout";
import { coalescer, type Coalescer } from "@/lib/async/coalescer";
import { getInngest } from "./engine";
import { log } from "@/lib/observability/logger";

/** What `<eventType>.create(data, { id })` returns: an event ready for the engine. */
export interface JobEvent {
  name: string;
  data: Record<string, unknown>;
  id?: string;
}

/** Longest an event waits for company before its batch goes out. */
export const sendFlushMs = 5;
/** A batch this large goes out at once (Inngest accepts far larger payloads). */
export const sendBatchMax = 100;
const sendTimeoutMs = 3_000;

const globalForJobs = globalThis as unknown as {
  __jobSender?: Coalescer<JobEvent>;
  /** The last send failed: the next one that succeeds means the engine is back. */
  __jobSendFailing?: boolean;
  __jobSendRecovered?: Set<() => void>;
};

function recoveredListeners(): Set<() => void> {
  return (globalForJobs.__jobSendRecovered ??= new Set());
}

function sender(): Coalescer<JobEvent> {
  globalForJobs.__jobSender ??= coalescer<JobEvent>({
    delayMs: sendFlushMs,
    maxItems: sendBatchMax,
    async flush(events) {
      try {
        await withTimeout(getInngest().send(events), sendTimeoutMs, () => new Error(`the workflow engine did not answer within ${sendTimeoutMs} ms`));
      } catch (err) {
        globalForJobs.__jobSendFailing = true;
        throw err;
      }
      if (globalForJobs.__jobSendFailing) {
        globalForJobs.__jobSendFailing = false;
        for (const listener of recoveredListeners()) {
          try {
            listener();
          } catch (err) {
            log().warn({ err, component: "jobs" }, "a send-recovered listener failed");
          }
        }
      }
    },
  });
  return globalForJobs.__jobSender;
}

/**
 * Calls `listener` whenever a send succeeds after a failed one (the engine is back), so
 * whoever kept work back while it was down can hand it over at once. Returns the unsubscribe.
 */
export function onSendsRecovered(listener: () => void): () => void {
  recoveredListeners().add(listener);
  return () => recoveredListeners().delete(listener);
}

/** Sends the events in the next batch; resolves once the engine acknowledged that batch, rejects if it did not. */
export function sendJobs(events: readonly JobEvent[]): Promise<void> {
  return sender().add(events);
}
