// GET /api/v1/audit-logs: a page of the tenant's audit log, newest first.
//   actor, actor_type, action (prefix: `user.`), target_type, target_id, from, to (ISO
//   times; from inclusive, to exclusive), q (words of the summary), cursor, limit (1-200).
// Answers { data: [...], next_cursor } (seq and next_cursor are strings: they are bigints).
import { parseListParams } from "@/lib/audit/query-params";
import { searchAuditLog } from "@/lib/audit/search";
import { tenantPool } from "@/lib/db/tenant-pool";
import { queryObject } from "@/lib/http/read-json";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";

export const GET = withPrincipal("audit:read", async ({ tenant, request }) => {
  const query = parseListParams(queryObject(request));
  const page = await searchAuditLog(await tenantPool(tenant.slug), tenant.slug, query);
  return Response.json({ data: page.items, next_cursor: page.nextCursor }, { headers: { "cache-control": "no-store" } });
});
export const OPTIONS = corsPreflight;
