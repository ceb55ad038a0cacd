// Shapes shared by the runner's modules. Event and error shapes follow the SDK
// spec (docs/SDK_SPEC.md 1.3.4 and 4.4.3 in the Inngest repository).

/** An event as the runner stores it and sends it to the SDK. */
export interface RunnerEvent {
  name: string;
  data: Record<string, unknown>;
  /** The sender's id when given (idempotency key), else the runner's internal id. */
  id: string;
  ts: number;
  user?: Record<string, unknown>;
  v?: string;
}

/** The serialised error shape of the protocol. */
export interface ErrorShape {
  name: string;
  message: string;
  stack?: string;
}

export type RunStatus = "queued" | "running" | "sleeping" | "completed" | "failed";

/** What `GET /runs` and `runs()` show. No event payloads: they may hold secrets. */
export interface RunView {
  id: string;
  functionId: string;
  eventName: string;
  /** The run's first event (a batched run's `event`). */
  eventId: string;
  /** Every event of the run: more than one for a batched function. */
  eventIds: string[];
  status: RunStatus;
  /** Call requests made for the run that failed and were retried, plus one. */
  attempts: number;
  output?: unknown;
  error?: ErrorShape;
  queuedAt: string;
  startedAt?: string;
  endedAt?: string;
}

export type Log = (line: string) => void;

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** One line, bounded: for log lines built from error messages. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
