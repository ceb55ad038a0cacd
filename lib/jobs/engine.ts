// The one Inngest client. Built lazily: route modules are imported by `next build`,
// where the server environment is not set. Lives behind the jobs boundary so domain
// code never imports inngest/ (which only defines functions).
import { Inngest } from "inngest";
import { serverEnv } from "@/lib/env";
import { log } from "@/lib/observability/logger";
import { WorkflowObservability } from "@/lib/observability/workflows";
import { StepTracingMiddleware } from "@/lib/observability/tracing/workflow-steps";

export const appId = "tenant-platform";

let client: Inngest | undefined;

function sdkLine(level: "warn" | "error", args: unknown[]): void {
  const err = args.find((a) => a instanceof Error);
  const text = args.filter((a) => typeof a === "string").join(" ");
  const detail = args.filter((a) => a !== err && typeof a !== "string");
  log()[level](
    { component: "inngest", ...(err ? { err } : {}), ...(detail.length ? { detail: detail.length === 1 ? detail[0] : detail } : {}) },
    text || "inngest SDK",
  );
}

export function getInngest(): Inngest {
  if (!client) {
    const env = serverEnv();
    client = new Inngest({
      id: appId,
      baseUrl: env.INNGEST_BASE_URL,
      eventKey: env.INNGEST_EVENT_KEY,
      // Never the SDK's dev mode, which accepts unsigned calls: every call to /api/inngest
      // must carry the engine's signature, in development and tests too (the local
      // runner signs with the key `npm run dev` / `npm test` generate).
      isDev: false,
      signingKey: env.INNGEST_SIGNING_KEY,
      // Steps report back over the documented request/response protocol (SDK_SPEC.md),
      // which the local runner implements, not over the checkpoint API.
      checkpointing: false,
      // Log context (function, run id, step, attempt) and run outcomes (lib/observability/workflows.ts);
      // a span per step (lib/observability/tracing/workflow-steps.ts).
      middleware: [WorkflowObservability, StepTracingMiddleware],
      // Each request to the engine gives up after 2 s: an unsent event is picked up by
      // the reconciler anyway.
      fetch: (input, init) =>
        fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(2_000)]) : AbortSignal.timeout(2_000) }),
      // The SDK's own warnings and errors, through our logger (its info/debug chatter is dropped).
      logger: { info() {}, debug() {}, warn: (...args: unknown[]) => sdkLine("warn", args), error: (...args: unknown[]) => sdkLine("error", args) },
    });
  }
  return client;
}

/** For tests that change the environment. */
export function resetInngestClient(): void {
  client = undefined;
}
