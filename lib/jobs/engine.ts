// The one Inngest client. Built lazily: route modules are imported by `next build`,
// where the server environment is not set. Lives behind the jobs boundary so domain
// code never imports inngest/ (which only defines functions).
import { Inngest } from "inngest";
import { serverEnv } from "@/lib/env";
import { StepTracingMiddleware } from "@/lib/observability/tracing/workflow-steps";

export const appId = "tenant-platform";

let client: Inngest | undefined;

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
      // Each request to the engine gives up after 2 s: an unsent event is picked up by
      // the reconciler anyway.
      fetch: (input, init) =>
        fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(2_000)]) : AbortSignal.timeout(2_000) }),
      logger: { info() {}, debug() {}, warn: console.warn, error: console.error },
      middleware: [StepTracingMiddleware],
    });
  }
  return client;
}

/** For tests that change the environment. */
export function resetInngestClient(): void {
  client = undefined;
}
