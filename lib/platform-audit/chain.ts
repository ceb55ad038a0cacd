// Verification and export of the platform audit log: lib/audit's chain walk and export
// over the platform_audit schema (the same canonical form, the same checks, the same
// sealed JSON Lines an offline `npm run audit:verify-export` accepts).
import type pg from "pg";
import { platformAuditLog } from "@/lib/audit/audit-table";
import type { AuditContext } from "@/lib/audit/context";
import { exportLines, exportScope, type AuditExportLines, type ExportQuery } from "@/lib/audit/export";
import { verifyChain, type ChainReport } from "@/lib/audit/verify-chain";
import { getPool } from "@/lib/db/pool";
import { recordPlatformEvent } from "./record";

export function verifyPlatformAudit(pool: pg.Pool = getPool()): Promise<ChainReport> {
  return verifyChain(pool, platformAuditLog);
}

/** Records the export first (so it is in the export itself, sealed), then streams the sealed rows. */
export async function startPlatformAuditExport(ctx: AuditContext, query: ExportQuery, pool: pg.Pool = getPool()): Promise<AuditExportLines> {
  await recordPlatformEvent(pool, ctx, {
    action: "audit.exported",
    summary: `platform audit log exported as ${query.format}`,
    metadata: { format: query.format, from: query.from?.toISOString() ?? null, to: query.to?.toISOString() ?? null },
  });
  const scope = await exportScope(pool, platformAuditLog);
  return Object.assign(exportLines(pool, platformAuditLog, query, scope), { unsealed: scope.unsealed });
}
