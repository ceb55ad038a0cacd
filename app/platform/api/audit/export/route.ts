// GET /platform/api/audit/export?format=jsonl|csv&from=&to=: the platform audit log as a
// download (sealed JSON Lines verify offline with npm run audit:verify-export). Audited.
import { parseExportParams } from "@/lib/audit/query-params";
import { exportResponse } from "@/lib/audit/export-response";
import { AppError } from "@/lib/errors/app-error";
import { queryObject } from "@/lib/http/read-json";
import { withOperator } from "@/lib/http/with-operator";
import { startPlatformAuditExport } from "@/lib/platform-audit/chain";

export const GET = withOperator(async ({ request, actor }) => {
  // A GET with an effect (an audited export) answers only our own pages' links.
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") throw new AppError("forbidden", "Start the export from the audit log page.");
  const query = parseExportParams(queryObject(request));
  return exportResponse("platform", query, await startPlatformAuditExport(actor, query));
});
