// GET /audit/export?format=csv|jsonl&from=&to=: the export links of the audit page.
// The same export as /api/v1/audit-logs/export, for a signed-in browser session (the
// API itself takes Bearer credentials only); audited with the user as the actor.
import { startAuditExport } from "@/lib/audit/export";
import { exportResponse } from "@/lib/audit/export-response";
import { parseExportParams } from "@/lib/audit/query-params";
import { principalAuditContext } from "@/lib/auth/principal";
import { tenantPool } from "@/lib/db/tenant-pool";
import { AppError } from "@/lib/errors/app-error";
import { problemFromError } from "@/lib/http/problem-from-error";
import { limitPrincipal } from "@/lib/ratelimit/principal-limit";
import { isDenial, recordDenial } from "@/lib/http/guard";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { requestMeta } from "@/lib/http/request-meta";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  // Redirects to sign-in, or renders the 403 page, like any admin page.
  const { tenant, principal, settings } = await requirePagePrincipal("audit:read");
  const meta = requestMeta(request.headers);
  try {
    // A GET with effects (an audited, possibly large export) answers only links from
    // our own pages, not ones planted on another site (the cookie is SameSite=Lax).
    const site = request.headers.get("sec-fetch-site");
    if (site && site !== "same-origin" && site !== "none") {
      throw new AppError("forbidden", "Start the export from the audit log page.");
    }
    await limitPrincipal(tenant.slug, principal, settings);
    const query = parseExportParams(Object.fromEntries(new URL(request.url).searchParams.entries()));
    const lines = await startAuditExport(await tenantPool(tenant.slug), tenant.slug, principalAuditContext(principal, meta), query);
    return exportResponse(tenant.slug, query, lines);
  } catch (err) {
    // Not under withTenant (a cookie session, not Bearer): audit its 403 the same way.
    if (isDenial(err)) await recordDenial(tenant.slug, principalAuditContext(principal, meta), err, "GET /audit/export");
    return problemFromError(err, meta.requestId);
  }
}
