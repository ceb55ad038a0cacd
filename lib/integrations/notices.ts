// In-app notices for the tenant's admins (a circuit opened, ...): listed and dismissed.
import { z } from "zod";
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";

export interface NoticeView {
  id: string;
  kind: string;
  title: string;
  body: string;
  integrationId: string | null;
  createdAt: string;
  readAt: string | null;
}

export async function listNotices(slug: string, opts: { unreadOnly?: boolean; limit?: number } = {}): Promise<NoticeView[]> {
  const rows = await tenantDb(slug).notice.findMany({
    where: opts.unreadOnly ? { readAt: null } : {},
    orderBy: { createdAt: "desc" },
    take: Math.min(opts.limit ?? 50, 200),
  });
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    title: r.title,
    body: r.body,
    integrationId: r.integrationId,
    createdAt: r.createdAt.toISOString(),
    readAt: r.readAt?.toISOString() ?? null,
  }));
}

export async function dismissNotice(slug: string, id: string, ctx: AuditContext): Promise<void> {
  if (!z.uuid().safeParse(id).success) throw new AppError("not_found", "No such notice.");
  const done = await withAudit(slug, ctx, (tx) => tx.notice.updateMany({ where: { id, readAt: null }, data: { readAt: new Date() } }));
  if (done.count === 0) throw new AppError("not_found", "No such unread notice.");
}
