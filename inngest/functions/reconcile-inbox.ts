// Every minute: offer the engine any accepted webhook it never acknowledged.
import type { Inngest } from "inngest";
import { reconcileInbox } from "@/lib/integrations/inbox/reconcile";

export function reconcileInboxCron(inngest: Inngest) {
  return inngest.createFunction(
    { id: "reconcile-inbox", triggers: [{ cron: "* * * * *" }], retries: 1, concurrency: 1 },
    async ({ step }) => step.run("reconcile", () => reconcileInbox({ minAgeMs: 30_000 })),
  );
}
