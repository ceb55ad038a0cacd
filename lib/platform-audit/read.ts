// The platform audit log for the console's page: newest first, 50 at a time (keyset on
// seq), optionally only actions starting with a prefix (tenant., operator., ...).
import { auditTables, platformAuditLog } from "@/lib/audit/audit-table";
import { getPool } from "@/lib/db/pool";

export interface PlatformAuditRow {
  seq: string;
  occurredAt: Date;
  actorType: string;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  summary: string;
  metadata: unknown;
  ip: string | null;
  sealed: boolean;
}

export const platformAuditPageSize = 50;

export async function listPlatformAudit(query: { before?: number; action?: string }): Promise<{ rows: PlatformAuditRow[]; nextBefore: string | null }> {
  const { log } = auditTables(platformAuditLog);
  const params: unknown[] = [platformAuditPageSize + 1];
  const where: string[] = [];
  if (query.before !== undefined) where.push(`"seq" < $${params.push(query.before)}`);
  if (query.action) where.push(`"action" LIKE $${params.push(`${query.action.replace(/[\\%_]/g, "\\$&")}%`)}`);
  const { rows } = await getPool().query<PlatformAuditRow>(
    `SELECT "seq"::text AS seq, "occurred_at" AS "occurredAt", "actor_type" AS "actorType", "actor_label" AS "actorLabel", "action",
            "target_type" AS "targetType", "target_id" AS "targetId", "summary", "metadata", "ip", ("hash" IS NOT NULL) AS sealed
       FROM ${log} AS r ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY r."seq" DESC LIMIT $1`,
    params,
  );
  const more = rows.length > platformAuditPageSize;
  const page = more ? rows.slice(0, platformAuditPageSize) : rows;
  return { rows: page, nextBefore: more ? page[page.length - 1]!.seq : null };
}
