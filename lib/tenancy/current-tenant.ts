// For server components and server actions: the tenant of the current request.
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { tenantFromHeaders } from "./tenant-from-headers";
import type { TenantRecord } from "./tenant-record";

export async function currentTenant(): Promise<TenantRecord | null> {
  return tenantFromHeaders(await headers());
}

/** The current tenant, or the 404 page. */
export async function requireTenant(): Promise<TenantRecord> {
  const tenant = await currentTenant().catch(() => null);
  if (!tenant) notFound();
  return tenant;
}
