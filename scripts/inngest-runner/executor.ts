// The run loop. A run is driven by Call Requests to the SDK (spec 4.4, 5):
//   discovery   POST ?fnId=<fn>&stepId=step   -> 200 output | 206 ops | error
//   step        POST ?fnId=<fn>&stepId=<hash> -> 206 [StepRun | StepError | StepFailed]
// Ops: StepRun memoises data; StepPlanned runs that step in its own request (several
// ops at once = parallel steps, and from then on `disable_immediate_execution`);
// StepError retries the step with backoff until its attempts are used up, then its
// error is memoised so the function sees it thrown; StepFailed memoises the error at
// once; Sleep memoises null when the time comes. After step results are memoised the
// run is re-discovered, once no step of it is still in flight.
// Ops the runner does not implement fail the run with a message naming them.
import type { CallOutcome, CallRequest, Op } from "./call";
import { toErrorShape } from "./call";
import { Batcher } from "./batching";
import { slotsFor, type ConcurrencyLimiter, type Slot } from "./concurrency";
import { backoffDelay, parseSleepTarget } from "./duration";
import { ulid } from "./ids";
import type { RegisteredFunction, Registry } from "./registry";
import { errorMessage, oneLine, type ErrorShape, type Log, type RunStatus, type RunView, type RunnerEvent } from "./types";

const DISCOVERY = "step";
const MAX_TIMER_MS = 2 ** 31 - 1;
const KEPT_RUNS = 1000;

const UNSUPPORTED_OPS: Record<string, string> = {
  WaitForEvent: "step.waitForEvent",
  WaitForSignal: "step.waitForSignal",
  InvokeFunction: "step.invoke",
  AIGateway: "step.ai.infer",
  Gateway: "step.fetch",
  DeferAdd: "defer()",
  DeferAbort: "defer().abort()",
  Step: "legacy v0 step op",
};
const HANDLED_OPS = new Set(["StepRun", "StepPlanned", "StepError", "StepFailed", "Sleep", "RunComplete"]);

type Memo = { data: unknown } | { error: unknown };

interface Item {
  /** "step" for discovery, else the hashed id of the step to run. */
  stepId: string;
  attempt: number;
  label: string;
}

interface Run {
  id: string;
  fn: RegisteredFunction;
  /** The first event of `events` (the triggering event when not batched). */
  event: RunnerEvent;
  events: RunnerEvent[];
  status: RunStatus;
  attempts: number;
  steps: Record<string, Memo>;
  stack: string[];
  disableImmediateExecution: boolean;
  requestVersion: number;
  /** Steps with a request in flight or waiting to be retried. */
  inflight: Set<string>;
  sleeps: Map<string, () => void>;
  discovering: boolean;
  pendingDiscovery: boolean;
  slots: Slot[];
  holdsSlots: boolean;
  waitingForSlots?: () => void;
  done: boolean;
  output?: unknown;
  error?: ErrorShape;
  queuedAt: number;
  startedAt?: number;
  endedAt?: number;
}

export interface ExecutorOptions {
  registry: Registry;
  limiter: ConcurrencyLimiter;
  log: Log;
  backoffBaseMs: number;
  backoffMaxMs: number;
  call: (req: Pick<CallRequest, "url" | "body">) => Promise<CallOutcome>;
  /** Emits `inngest/function.failed` for a run that failed for good. */
  onRunFailed: (data: { function_id: string; run_id: string; error: ErrorShape; event: RunnerEvent }) => void;
}

export class Executor {
  private readonly runs = new Map<string, Run>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly batcher = new Batcher(
    (ms, fn) => this.schedule(ms, fn),
    (fn, events) => void this.startRun(fn, events[0]!, events),
  );

  constructor(private readonly o: ExecutorOptions) {}

  /** Starts a run of every function the event triggers (or adds it to the function's open batch). */
  trigger(event: RunnerEvent): void {
    for (const fn of this.o.registry.triggeredBy(event)) {
      if (fn.batch && !fn.refusal) this.batcher.add(fn, fn.batch, event);
      else this.startRun(fn, event);
    }
  }

  /** Events waiting in open batches. */
  batchedEvents(): number {
    return this.batcher.pending();
  }

  startRun(fn: RegisteredFunction, event: RunnerEvent, events: RunnerEvent[] = [event]): string {
    const run: Run = {
      id: ulid(),
      fn,
      event,
      events,
      status: "queued",
      attempts: 1,
      steps: {},
      stack: [],
      disableImmediateExecution: false,
      requestVersion: -1, // -1: let the SDK choose, then echo what it chose
      inflight: new Set(),
      sleeps: new Map(),
      discovering: false,
      pendingDiscovery: true,
      slots: slotsFor(fn.id, fn.concurrency, event),
      holdsSlots: false,
      done: false,
      queuedAt: Date.now(),
    };
    this.runs.set(run.id, run);
    this.prune();
    if (fn.refusal) {
      run.attempts = 0;
      this.fail(run, { name: "UnsupportedByLocalRunner", message: `function "${fn.id}" is ${fn.refusal}` });
    } else {
      this.advance(run);
    }
    return run.id;
  }

  views(): RunView[] {
    return [...this.runs.values()].reverse().map(view);
  }

  view(id: string): RunView | undefined {
    const run = this.runs.get(id);
    return run && view(run);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(ms: number, fn: () => void): () => void {
    let timer: NodeJS.Timeout;
    const arm = (left: number): void => {
      timer = setTimeout(
        () => {
          this.timers.delete(timer);
          if (left > MAX_TIMER_MS) arm(left - MAX_TIMER_MS);
          else if (!this.closed) fn();
        },
        Math.min(Math.max(0, left), MAX_TIMER_MS),
      );
      this.timers.add(timer);
    };
    arm(ms);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** Decides the run's next move after any change to it. */
  private advance(run: Run): void {
    if (run.done || this.closed || run.discovering || run.inflight.size > 0) return;
    if (run.pendingDiscovery) {
      if (!run.holdsSlots) {
        this.acquire(run);
        return;
      }
      run.pendingDiscovery = false;
      run.discovering = true;
      run.status = "running";
      this.send(run, { stepId: DISCOVERY, attempt: 0, label: "discovery" });
    } else if (run.sleeps.size > 0) {
      run.status = "sleeping";
      this.releaseSlots(run);
    }
  }

  private acquire(run: Run): void {
    if (run.waitingForSlots) return;
    const granted = (): void => {
      delete run.waitingForSlots;
      if (run.done) {
        this.o.limiter.release(run.slots);
        return;
      }
      run.holdsSlots = true;
      if (run.startedAt === undefined) {
        run.startedAt = Date.now();
        this.o.log(`run ${run.id} started: fn=${run.fn.id} event=${run.event.name}`);
      }
      this.advance(run);
    };
    if (this.o.limiter.acquire(run.slots, granted)) {
      granted();
    } else {
      run.waitingForSlots = granted;
      run.status = "queued";
    }
  }

  private releaseSlots(run: Run): void {
    if (run.waitingForSlots) {
      this.o.limiter.cancel(run.waitingForSlots);
      delete run.waitingForSlots;
    }
    if (run.holdsSlots) {
      run.holdsSlots = false;
      this.o.limiter.release(run.slots);
    }
  }

  private send(run: Run, item: Item): void {
    this.request(run, item).catch((err: unknown) => {
      this.fail(run, { name: "RunnerError", message: `internal runner error: ${errorMessage(err)}` });
    });
  }

  private async request(run: Run, item: Item): Promise<void> {
    if (run.done || this.closed) return;
    // The latest sync wins, so a re-synced app with a new URL is called at that URL.
    const fn = this.o.registry.get(run.fn.id) ?? run.fn;
    const url = new URL(fn.url);
    url.searchParams.set("fnId", fn.id);
    url.searchParams.set("stepId", item.stepId);
    const outcome = await this.o.call({
      url: url.href,
      body: {
        version: run.requestVersion,
        event: run.event,
        events: run.events,
        steps: run.steps,
        ctx: {
          run_id: run.id,
          attempt: item.attempt,
          max_attempts: run.fn.maxAttempts,
          disable_immediate_execution: run.disableImmediateExecution,
          use_api: false,
          stack: { stack: run.stack, current: run.stack.length },
          // No fn_id: with it the SDK would checkpoint through Inngest's /v1/checkpoint
          // API, which the runner does not implement; without it, plain async mode.
        },
      },
    });
    if (run.done || this.closed) return;
    if (outcome.version !== undefined) run.requestVersion = outcome.version;

    if (outcome.kind === "complete") return this.complete(run, outcome.data);
    if (outcome.kind === "error") return this.retryOrFail(run, item, outcome.error, outcome.retriable, outcome.retryAfterMs);

    const notFound = outcome.ops.find((op) => op.op === "StepNotFound");
    if (notFound) {
      // The SDK could not find the step it was asked to run (code changed mid-run?).
      const error = { name: "StepNotFound", message: `the SDK could not find step "${notFound.displayName || notFound.name || notFound.id}" to run` };
      return this.retryOrFail(run, item, error, true, outcome.retryAfterMs);
    }
    const unsupported = outcome.ops.find((op) => !HANDLED_OPS.has(op.op));
    if (unsupported) return this.fail(run, unsupportedOpError(unsupported));
    if (item.stepId === DISCOVERY) run.discovering = false;
    else run.inflight.delete(item.stepId);
    if (outcome.ops.length > 1) run.disableImmediateExecution = true;
    for (const op of outcome.ops) {
      if (run.done) return;
      this.handleOp(run, item, op, outcome);
    }
    if (run.done) return;
    if (item.stepId === DISCOVERY && !run.pendingDiscovery && run.inflight.size === 0 && run.sleeps.size === 0) {
      // Every op reported was already memoised: the SDK made no progress.
      run.discovering = true;
      const ids = outcome.ops.map((op) => op.displayName || op.id).join(", ");
      return this.retryOrFail(
        run,
        item,
        { name: "ProtocolError", message: `the SDK reported only steps that already have results (${ids}); is the function deterministic?` },
        true,
      );
    }
    this.advance(run);
  }

  private handleOp(run: Run, item: Item, op: Op, outcome: CallOutcome & { kind: "ops" }): void {
    const stepName = op.displayName || op.name || op.id;
    if (op.op === "RunComplete") return this.complete(run, op.data ?? null);
    if (Object.hasOwn(run.steps, op.id)) return;
    switch (op.op) {
      case "StepRun":
        return this.memo(run, op.id, { data: op.data ?? null });
      case "StepFailed":
        return this.memo(run, op.id, { error: stepError(op, stepName) });
      case "StepPlanned":
        if (run.inflight.has(op.id)) return;
        run.inflight.add(op.id);
        return this.send(run, { stepId: op.id, attempt: 0, label: `step "${stepName}"` });
      case "StepError": {
        // The attempt that failed: the step's own, or the discovery's when the SDK ran
        // the step immediately inside a discovery request.
        const next = item.attempt + 1;
        const error = stepError(op, stepName);
        if (outcome.noRetry || next >= run.fn.maxAttempts) return this.memo(run, op.id, { error });
        run.inflight.add(op.id);
        return this.scheduleRetry(run, { stepId: op.id, attempt: next, label: `step "${stepName}"` }, toErrorShape(error, "step failed"), outcome.retryAfterMs);
      }
      case "Sleep": {
        if (run.sleeps.has(op.id)) return;
        const raw = typeof op.opts?.duration === "string" ? op.opts.duration : (op.name ?? "");
        const wakeAt = parseSleepTarget(raw, Date.now());
        if (wakeAt === undefined) {
          return this.fail(run, { name: "ProtocolError", message: `sleep "${stepName}" has an unreadable duration "${raw}"` });
        }
        const cancel = this.schedule(wakeAt - Date.now(), () => {
          run.sleeps.delete(op.id);
          this.memo(run, op.id, { data: null });
          this.advance(run);
        });
        run.sleeps.set(op.id, cancel);
        return;
      }
    }
  }

  private memo(run: Run, id: string, result: Memo): void {
    if (Object.hasOwn(run.steps, id)) return;
    run.steps[id] = result;
    run.stack.push(id);
    run.pendingDiscovery = true;
  }

  private retryOrFail(run: Run, item: Item, error: ErrorShape, retriable: boolean, retryAfterMs?: number): void {
    const next = item.attempt + 1;
    if (!retriable || next >= run.fn.maxAttempts) return this.fail(run, error);
    this.scheduleRetry(run, { ...item, attempt: next }, error, retryAfterMs);
  }

  private scheduleRetry(run: Run, item: Item, error: ErrorShape, retryAfterMs?: number): void {
    run.attempts++;
    const delay = retryAfterMs ?? backoffDelay(item.attempt - 1, this.o.backoffBaseMs, this.o.backoffMaxMs);
    const why = retryAfterMs === undefined ? "" : " (Retry-After)";
    this.o.log(
      `run ${run.id} retry ${item.attempt}/${run.fn.maxAttempts - 1} of ${item.label} in ${delay}ms${why}: ${oneLine(`${error.name}: ${error.message}`)}`,
    );
    this.schedule(delay, () => this.send(run, item));
  }

  private finish(run: Run, status: "completed" | "failed"): void {
    run.done = true;
    run.status = status;
    run.endedAt = Date.now();
    for (const cancel of run.sleeps.values()) cancel();
    run.sleeps.clear();
    run.inflight.clear();
    this.releaseSlots(run);
  }

  private complete(run: Run, data: unknown): void {
    if (run.done) return;
    this.finish(run, "completed");
    run.output = data;
    this.o.log(`run ${run.id} completed in ${run.endedAt! - (run.startedAt ?? run.queuedAt)}ms: fn=${run.fn.id}`);
  }

  private fail(run: Run, error: ErrorShape): void {
    if (run.done) return;
    this.finish(run, "failed");
    run.error = error;
    this.o.log(`run ${run.id} failed after ${run.attempts} attempt(s): fn=${run.fn.id} ${oneLine(`${error.name}: ${error.message}`)}`);
    this.o.onRunFailed({ function_id: run.fn.id, run_id: run.id, error, event: run.event });
  }

  private prune(): void {
    if (this.runs.size <= KEPT_RUNS) return;
    for (const [id, run] of this.runs) {
      if (this.runs.size <= KEPT_RUNS) break;
      if (run.done) this.runs.delete(id);
    }
  }
}

function stepError(op: Op, stepName: string): unknown {
  // Keep the SDK's serialised error as is (it may carry a `cause`), as long as it has
  // the fields the protocol requires.
  const e = op.error;
  if (e && typeof e === "object" && typeof (e as ErrorShape).name === "string" && typeof (e as ErrorShape).message === "string") return e;
  return toErrorShape(e, `step "${stepName}" failed`);
}

function unsupportedOpError(op: Op): ErrorShape {
  const what = UNSUPPORTED_OPS[op.op] ?? `op "${op.op}"`;
  return {
    name: "UnsupportedByLocalRunner",
    message: `${what} (step "${op.displayName || op.name || op.id}", op ${op.op}) is not supported by the local Inngest runner; it supports step.run, step.sleep, step.sleepUntil and step.sendEvent`,
  };
}

function view(run: Run): RunView {
  const v: RunView = {
    id: run.id,
    functionId: run.fn.id,
    eventName: run.event.name,
    eventId: run.event.id,
    eventIds: run.events.map((e) => e.id),
    status: run.status,
    attempts: run.attempts,
    queuedAt: new Date(run.queuedAt).toISOString(),
  };
  if (run.output !== undefined) v.output = run.output;
  if (run.error) v.error = run.error;
  if (run.startedAt !== undefined) v.startedAt = new Date(run.startedAt).toISOString();
  if (run.endedAt !== undefined) v.endedAt = new Date(run.endedAt).toISOString();
  return v;
}
