// Admins replay dead (or failed) events: back to `received`, undispatched, and offered
// to the engine under a fresh event id. If the engine is down the reconciler sends them.
import { z } from "zod";
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { loadIntegration } from "../integrations";
import { dispatchInboxRows } from "./dispatch";

export const maxReplay = 500;

export const replayInput = z
  .object({
    /** Replay these events; or, without ids, every event in one of `statuses`. */
    ids: z.array(z.uuid()).min(1).max(maxReplay).optional(),
    statuses: z.array(z.enum(["dead", "failed"])).min(1).default(["dead"]),
  })
  .strict();

export async function replayEvents(slug: string, integrationId: string, raw: unknown, ctx: AuditContext): Promise<{ replayed: number; dispatched: number; ids: string[] }> {
  const input = parseOrThrow(replayInput, raw ?? {}, "replay");
  const integration = await loadIntegration(slug, integrationId);
  if (integration.status !== "active") throw new AppError("conflict", "This integration is paused; resume it before replaying.");
  const ids = await withAudit(slug, ctx, async (tx, audit) => {
    const rows = await tx.webhookEvent.findMany({
      where: { integrationId, status: { in: input.statuses }, ...(input.ids ? { id: { in: input.ids } } : {}) },
      orderBy: { receivedAt: "asc" },
      take: maxReplay,
      select: { id: true },
    });
    if (!rows.length) return [];
    const found = rows.map((r) => r.id);
    await tx.webhookEvent.updateMany({ where: { id: { in: found } }, data: { status: "received", dispatchedAt: null } });
    await audit.record({
      action: auditActions.webhookReplayed,
      targetType: "integration",
      targetId: integrationId,
      summary: `${found.length} webhook event(s) of ${integration.name} replayed`,
      metadata: { eventIds: found.slice(0, 100), count: found.length },
    });
    return found;
  });
  if (input.ids && ids.length < input.ids.length) {
    // Nothing is replayed silently: ids that were not dead/failed (or not this integration's) are reported.
    const missing = input.ids.filter((id) => !ids.includes(id));
    if (!ids.length) throw new AppError("conflict", `None of the events can be replayed (not ${input.statuses.join(" or ")}, or not in this inbox): ${missing.slice(0, 5).join(", ")}.`);
  }
  const dispatched = await dispatchInboxRows(slug, ids.map((id) => ({ id, integrationId })), { replay: true });
  return { replayed: ids.length, dispatched, ids };
}
