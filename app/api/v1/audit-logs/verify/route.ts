// GET /api/v1/audit-logs/verify: walks the tenant's hash chain and answers
// { ok, rowsChecked, startedAfterSeq, lastSeq, firstBroken?: { seq, problem } }.
// 200 either way: a broken chain is a finding, not a failed request.
import { verifyChain } from "@/lib/audit/verify-chain";
import { tenantPool } from "@/lib/db/tenant-pool";
import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";

export const GET = withPrincipal("audit:read", async ({ tenant }) =>
  Response.json(await verifyChain(await tenantPool(tenant.slug), tenant.slug), { headers: { "cache-control": "no-store" } }),
);
export const OPTIONS = corsPreflight;
