// Every minute, the safety net: re-open rows the engine acknowledged but lost (still
// `received` past INBOX_REDISPATCH_AFTER_SECONDS), then offer the engine any accepted
// webhook it never acknowledged. Each process also recovers its own failed sends within
// seconds (lib/integrations/inbox/recovery.ts).
import type { Inngest } from "inngest";
// One step: the pass looks only at tenants whose inbox moved since it found them settled
// (lib/integrations/inbox/reconcile.ts), and finds them once for both halves.
import { reconcilePass } from "@/lib/integrations/inbox/reconcile";

export function reconcileInboxCron(inngest: Inngest) {
  return inngest.createFunction({ id: "reconcile-inbox", triggers: [{ cron: "* * * * *" }], retries: 1, concurrency: 1 }, async ({ step }) => {
    return step.run("reconcile", () => reconcilePass());
  });
}
