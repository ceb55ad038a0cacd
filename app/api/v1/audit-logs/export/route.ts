// GET /api/v1/audit-logs/export?format=csv|jsonl&from=&to=: the log in chain order,
// streamed as it is read, each row with the text that was hashed, prev_hash and hash
// (JSON Lines adds a header line and a closing seal). The export is recorded first as
// `audit.exported`, with the caller as the actor.
import { startAuditExport } from "@/lib/audit/export";
import { exportResponse } from "@/lib/audit/export-response";
import { parseExportParams } from "@/lib/audit/query-params";
import { tenantPool } from "@/lib/db/tenant-pool";
import { queryObject } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";

export const GET = withPrincipal("audit:read", async ({ tenant, request, actor }) => {
  const query = parseExportParams(queryObject(request));
  const lines = await startAuditExport(await tenantPool(tenant.slug), tenant.slug, actor, query);
  return exportResponse(tenant.slug, query, lines);
});
export const OPTIONS = corsPreflight;
