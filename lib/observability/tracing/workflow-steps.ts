// A span for each workflow step the engine runs here (memoized steps replay without
// running and get none), with function, run id, step, attempt and the tenant named by
// the event, so the step's queries and calls nest under it. Registered on the one
// Inngest client (lib/jobs/engine.ts); a no-op while tracing is off.
import { Middleware } from "inngest";
import { attributeNames, traced, withRequestAttributes } from "./spans";

function tenantOf(data: unknown): string | undefined {
  const tenant = (data as { tenant?: unknown } | null | undefined)?.tenant;
  return typeof tenant === "string" ? tenant : undefined;
}

export class StepTracingMiddleware extends Middleware.BaseMiddleware {
  readonly id = "step-tracing";

  override wrapStepHandler({ ctx, fn, next, stepInfo }: Middleware.WrapStepHandlerArgs): Promise<unknown> {
    const tenant = tenantOf(ctx.event?.data);
    const attributes = {
      "workflow.function": fn.id(),
      "workflow.run_id": ctx.runId,
      "workflow.step": stepInfo.options.id,
      "workflow.attempt": ctx.attempt,
      ...(tenant ? { [attributeNames.tenant]: tenant } : {}),
    };
    return withRequestAttributes({ ...(tenant ? { tenant } : {}), requestId: ctx.runId }, () =>
      traced(`workflow.step ${stepInfo.options.id}`, attributes, () => next()),
    );
  }
}
