// Node side of tenant resolution: trusts only the internal headers the middleware set
// (it strips incoming copies), confirms against PostgreSQL, and refuses tenants that
// are not active. Also covers custom domains when the Edge had no Redis to ask.
import { AppError } from "@/lib/errors/app-error";
import { findTenantByHostname, findTenantBySlug } from "./find-tenant";
import { internalHeaders } from "./internal-headers";
import type { TenantRecord } from "./tenant-record";

interface HeaderReader {
  get(name: string): string | null;
}

export async function tenantFromHeaders(headers: HeaderReader): Promise<TenantRecord | null> {
  const slug = headers.get(internalHeaders.tenant);
  const host = headers.get(internalHeaders.tenantHost);
  let tenant: TenantRecord | null = null;
  if (host) {
    tenant = await findTenantByHostname(host);
    if (tenant && slug && slug !== tenant.slug) throw new AppError("bad_request", "The X-Tenant-ID header names a different tenant than the host.");
  } else if (slug) {
    tenant = await findTenantBySlug(slug);
  }
  return tenant && tenant.status === "active" ? tenant : null;
}
