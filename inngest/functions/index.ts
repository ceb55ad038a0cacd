// Every function the platform serves at /api/inngest.
import type { InngestFunction } from "inngest";
import { getInngest } from "../client";
import { processWebhook, processWebhookBatch } from "./process-webhook";
import { reconcileInboxCron } from "./reconcile-inbox";
import { scheduleSyncs, syncIntegration } from "./sync-integration";

let functions: InngestFunction.Any[] | undefined;

export function platformFunctions(): InngestFunction.Any[] {
  if (!functions) {
    const inngest = getInngest();
    functions = [processWebhookBatch(inngest), processWebhook(inngest), reconcileInboxCron(inngest), syncIntegration(inngest), scheduleSyncs(inngest)];
  }
  return functions;
}

/** For tests that rebuild the client with another environment. */
export function resetPlatformFunctions(): void {
  functions = undefined;
}
