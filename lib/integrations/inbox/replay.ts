// Admins replay dead (or failed, or stuck `received`) events: back to `received`, undispatched, a new
// generation (so a new event id for the engine), and offered to the engine. If the
// engine is down the reconciler sends them under that same new id.
import { z } from "zod";
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { AppError } from "@/lib/errors/app-error";
import { parseOnce } from "@/lib/errors/from-zod";
import { loadIntegration } from "../integrations";
import { dispatchInboxRows, type InboxRef } from "./dispatch";
import { redispatchAfterMs } from "./reconcile";

export const maxReplay = 500;

export const replayInput = z
  .object({
    /** Replay these events; or, without ids, every event in one of `statuses`. */
    ids: z.array(z.uuid()).min(1).max(maxReplay).optional(),
    /** `received`: only rows older than INBOX_REDISPATCH_AFTER_SECONDS (the engine lost them; younger ones are on their way). */
    statuses: z
      .array(z.enum(["dead", "failed", "received"]))
      .min(1)
      .default(["dead"]),
  })
  .strict();

export async function replayEvents(
  slug: string,
  integrationId: string,
  raw: unknown,
  ctx: AuditContext,
): Promise<{ replayed: number; dispatched: number; ids: string[]; skipped: string[] }> {
  const input = parseOnce(replayInput, raw ?? {}, "replay");
  const integration = await loadIntegration(slug, integrationId);
  if (integration.status !== "active") throw new AppError("conflict", "This integration is paused; resume it before replaying.");
  const ids = await withAudit(slug, ctx, async (tx, audit) => {
    const finished = input.statuses.filter((st) => st !== "received");
    const stuckBefore = new Date(Date.now() - redispatchAfterMs());
    const rows = await tx.webhookEvent.findMany({
      where: {
        integrationId,
        OR: [
          ...(finished.length ? [{ status: { in: finished } }] : []),
          ...(input.statuses.includes("received") ? [{ status: "received", receivedAt: { lt: stuckBefore } }] : []),
        ],
        ...(input.ids ? { id: { in: input.ids } } : {}),
      },
      orderBy: { receivedAt: "asc" },
      take: maxReplay,
      select: { id: true },
    });
    if (!rows.length) return [] as InboxRef[];
    const found = rows.map((r) => r.id);
    await tx.webhookEvent.updateMany({ where: { id: { in: found } }, data: { status: "received", dispatchedAt: null, generation: { increment: 1 } } });
    const replayed = await tx.webhookEvent.findMany({ where: { id: { in: found } }, select: { id: true, integrationId: true, generation: true } });
    await audit.record({
      action: auditActions.webhookReplayed,
      targetType: "integration",
      targetId: integrationId,
      summary: `${found.length} webhook event(s) of ${integration.name} replayed`,
      metadata: { eventIds: found.slice(0, 100), count: found.length },
    });
    return replayed;
  });
  const replayedIds = ids.map((r) => r.id);
  // Ids asked for that could not be replayed (not dead/failed, or not this inbox's) are named, never dropped silently.
  const skipped = input.ids ? input.ids.filter((id) => !replayedIds.includes(id)) : [];
  if (input.ids && !ids.length) {
    const young = input.statuses.includes("received") ? ` (received ones only ${redispatchAfterMs() / 1000} s after receipt)` : "";
    throw new AppError(
      "conflict",
      `None of the events can be replayed (not ${input.statuses.join(" or ")}${young}, or not in this inbox): ${skipped.slice(0, 5).join(", ")}.`,
    );
  }
  const dispatched = await dispatchInboxRows(slug, ids);
  return { replayed: ids.length, dispatched, ids: replayedIds, skipped };
}
