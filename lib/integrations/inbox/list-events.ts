// The inbox of one integration, newest first, keyset-paginated.
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { tenantDb } from "@/lib/db/tenant-client";
import type { Prisma } from "@/lib/db/generated/tenant/client";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { quoteIdent } from "@/lib/db/identifier";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { loadIntegration } from "../integrations";

export const inboxStatuses = ["received", "processing", "processed", "failed", "dead"] as const;
export type InboxStatus = (typeof inboxStatuses)[number];

export const listEventsQuery = z
  .object({
    status: z.enum(inboxStatuses).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: text().max(200).optional(),
  })
  .strict();

export interface InboxEventView {
  id: string;
  providerEventId: string;
  eventType: string | null;
  status: InboxStatus;
  attempts: number;
  lastError: string | null;
  size: number;
  bodySha256: string;
  receivedAt: string;
  dispatchedAt: string | null;
  processedAt: string | null;
}

const select = {
  id: true,
  providerEventId: true,
  eventType: true,
  status: true,
  attempts: true,
  lastError: true,
  bodySha256: true,
  receivedAt: true,
  dispatchedAt: true,
  processedAt: true,
} as const;

type Row = Prisma.WebhookEventGetPayload<{ select: typeof select }>;

function toView(r: Row, size: number): InboxEventView {
  return {
    id: r.id,
    providerEventId: r.providerEventId,
    eventType: r.eventType,
    status: r.status as InboxStatus,
    attempts: r.attempts,
    lastError: r.lastError,
    size,
    bodySha256: r.bodySha256,
    receivedAt: r.receivedAt.toISOString(),
    dispatchedAt: r.dispatchedAt?.toISOString() ?? null,
    processedAt: r.processedAt?.toISOString() ?? null,
  };
}

const cursorSchema = z.object({ t: z.iso.datetime(), id: z.uuid() });

function decodeCursor(raw: string): { t: string; id: string } {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
  } catch {
    throw new AppError("bad_request", "Invalid query: cursor is not one this API returned.", [{ path: "cursor", message: "unknown cursor" }]);
  }
}

export async function listInboxEvents(slug: string, integrationId: string, raw: unknown): Promise<{ data: InboxEventView[]; nextCursor: string | null }> {
  await loadIntegration(slug, integrationId);
  const q = parseOrThrow(listEventsQuery, raw, "query");
  const where: Prisma.WebhookEventWhereInput = { integrationId, ...(q.status ? { status: q.status } : {}) };
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    const t = new Date(c.t);
    where.OR = [{ receivedAt: { lt: t } }, { receivedAt: t, id: { lt: c.id } }];
  }
  const db = tenantDb(slug);
  const rows = await db.webhookEvent.findMany({ where, orderBy: [{ receivedAt: "desc" }, { id: "desc" }], take: q.limit + 1, select });
  const page = rows.slice(0, q.limit);
  // Sizes without loading the bodies.
  const sizes = page.length
    ? await db.$queryRawUnsafe<{ id: string; size: number }[]>(
        `SELECT id::text AS id, octet_length(body) AS size FROM ${quoteIdent(schemaNameFor(slug))}.webhook_events WHERE id = ANY($1::uuid[])`,
        page.map((r) => r.id),
      )
    : [];
  const sizeOf = new Map(sizes.map((s) => [s.id, Number(s.size)]));
  const last = page.at(-1);
  return {
    data: page.map((r) => toView(r, sizeOf.get(r.id) ?? 0)),
    nextCursor: rows.length > q.limit && last ? Buffer.from(JSON.stringify({ t: last.receivedAt.toISOString(), id: last.id })).toString("base64url") : null,
  };
}

/** One event with its body (as text when it is UTF-8, else base64) and kept headers. */
export async function getInboxEvent(slug: string, integrationId: string, eventId: string) {
  await loadIntegration(slug, integrationId);
  if (!z.uuid().safeParse(eventId).success) throw new AppError("not_found", "No such event.");
  const row = await tenantDb(slug).webhookEvent.findFirst({ where: { id: eventId, integrationId }, select: { ...select, headers: true, body: true } });
  if (!row) throw new AppError("not_found", "No such event.");
  const body = Buffer.from(row.body);
  const text = body.toString("utf8");
  const isText = Buffer.from(text, "utf8").equals(body);
  return { ...toView(row, body.length), headers: row.headers, body: isText ? text : body.toString("base64"), bodyEncoding: isText ? "utf8" : "base64" };
}
