// Workflow runs, observed from the engine's middleware (Inngest v4): each function call
// runs inside a log context (function, run id, attempt; step inside a step), and its
// outcome is counted: ok (the run completed), retried (an attempt of the run or of a
// step failed and will be tried again), failed (the last attempt failed). Dead-lettered
// work is counted where the dead-letter state is written (inngest/functions), since
// that is a business outcome, not the engine's.
import { Middleware } from "inngest";
import { functionLabel } from "./bounds";
import { log, withLogContext } from "./logger";
import { counter } from "./metrics";

export const workflowRuns = counter({
  name: "platform_workflow_runs_total",
  help: "Workflow function runs by function and outcome (ok, retried, failed, dead_lettered).",
  labels: { function: functionLabel, outcome: ["ok", "retried", "failed", "dead_lettered"] },
});

/** The function's own id (without the app prefix the SDK adds). */
function fnId(fn: { id(prefix?: string): string }): string {
  return fn.id();
}

function tenantOf(event: unknown): string | undefined {
  const tenant = (event as { data?: { tenant?: unknown } } | undefined)?.data?.tenant;
  return typeof tenant === "string" ? tenant : undefined;
}

export class WorkflowObservability extends Middleware.BaseMiddleware {
  readonly id = "platform-observability";

  wrapFunctionHandler({ ctx, fn, next }: Middleware.WrapFunctionHandlerArgs): Promise<unknown> {
    return withLogContext({ function: fnId(fn), run_id: ctx.runId, attempt: ctx.attempt, tenant: tenantOf(ctx.event) }, () => next());
  }

  wrapStepHandler({ stepInfo, next }: Middleware.WrapStepHandlerArgs): Promise<unknown> {
    return withLogContext({ step: stepInfo.options.id }, () => next());
  }

  onRunComplete({ fn }: Middleware.OnRunCompleteArgs): void {
    workflowRuns.inc({ function: fnId(fn), outcome: "ok" });
  }

  onRunError({ fn, ctx, error, isFinalAttempt }: Middleware.OnRunErrorArgs): void {
    workflowRuns.inc({ function: fnId(fn), outcome: isFinalAttempt ? "failed" : "retried" });
    log().warn(
      { err: error, function: fnId(fn), run_id: ctx.runId, attempt: ctx.attempt, final: isFinalAttempt },
      isFinalAttempt ? "workflow run failed" : "workflow attempt failed; retrying",
    );
  }

  onStepError({ fn, ctx, error, isFinalAttempt, stepInfo }: Middleware.OnStepErrorArgs): void {
    // A final step failure ends the run, which onRunError counts.
    if (isFinalAttempt) return;
    workflowRuns.inc({ function: fnId(fn), outcome: "retried" });
    log().warn({ err: error, function: fnId(fn), run_id: ctx.runId, attempt: ctx.attempt, step: stepInfo.options.id }, "workflow step failed; retrying");
  }
}
