// GET /api/v1/audit-logs/report?from=&to=: the compliance report for the period
// (both required; from inclusive, to exclusive): counts by action and by actor,
// sign-in failures, lockouts, permission denials, and each change to roles, API keys
// and integrations.
import { parseReportParams } from "@/lib/audit/query-params";
import { complianceReport } from "@/lib/audit/report";
import { tenantPool } from "@/lib/db/tenant-pool";
import { queryObject } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";

export const GET = withPrincipal("audit:read", async ({ tenant, request }) => {
  const query = parseReportParams(queryObject(request));
  return Response.json(await complianceReport(await tenantPool(tenant.slug), tenant.slug, query), { headers: { "cache-control": "no-store" } });
});
export const OPTIONS = corsPreflight;
