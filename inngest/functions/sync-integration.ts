// integration/sync.requested -> pull every page of a rest integration, one step per
// page, so a retry resumes at the failed page. An open circuit (or a pause) ends the
// run early as "stopped"; the next run resumes from its cursor.
import type { Inngest } from "inngest";
import { NonRetriableError } from "inngest";
import { dueSyncs } from "@/lib/integrations/sync/request-sync";
import { BadSyncResponseError, syncPage } from "@/lib/integrations/sync/sync-page";
import { failRunningSyncs, finishSyncRun, startSyncRun } from "@/lib/integrations/sync/sync-runs";
import { getInngest, syncRequested } from "../client";
import { toStepError } from "./step-errors";

/** A bound on one run; a longer source continues in the next run from the cursor. */
export const maxPagesPerRun = 1_000;

export function syncIntegration(inngest: Inngest) {
  return inngest.createFunction(
    {
      id: "sync-integration",
      triggers: [syncRequested],
      retries: 3,
      // One sync per integration at a time, and at most two per tenant.
      concurrency: [
        { key: "event.data.integrationId", limit: 1 },
        { key: "event.data.tenant", limit: 2 },
      ],
      onFailure: async ({ event, error, step }) => {
        const { tenant, integrationId } = syncRequested.schema.parse(event.data.event.data);
        await step.run("mark-failed", () => failRunningSyncs(tenant, integrationId, error.message));
      },
    },
    async ({ event, step }) => {
      const { tenant, integrationId, trigger } = event.data;
      const run = await step.run("start", () => startSyncRun(tenant, integrationId, trigger));
      let cursor = run.cursor;
      for (let page = 0; page < maxPagesPerRun; page++) {
        const result = await step.run(`page-${page}`, async () => {
          try {
            return await syncPage(tenant, integrationId, run.runId, cursor);
          } catch (err) {
            throw err instanceof BadSyncResponseError ? new NonRetriableError(err.message) : toStepError(err);
          }
        });
        if (result.stopped) {
          await step.run("stop", () => finishSyncRun(tenant, run.runId, "stopped", result.stopped));
          return { runId: run.runId, status: "stopped", reason: result.stopped };
        }
        if (!result.nextCursor) break;
        cursor = result.nextCursor;
      }
      await step.run("finish", () => finishSyncRun(tenant, run.runId, "succeeded"));
      return { runId: run.runId, status: "succeeded" };
    },
  );
}

/** Every five minutes: request the syncs whose interval has passed. */
export function scheduleSyncs(inngest: Inngest) {
  return inngest.createFunction({ id: "schedule-syncs", triggers: [{ cron: "*/5 * * * *" }], retries: 1, concurrency: 1 }, async ({ step }) => {
    const due = await step.run("find-due", () => dueSyncs());
    if (due.length) {
      await step.run("request", () =>
        getInngest().send(due.map((d) => syncRequested.create({ tenant: d.slug, integrationId: d.integrationId, trigger: "schedule" }))),
      );
    }
    return { requested: due.length };
  });
}
