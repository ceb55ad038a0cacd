// A tenant's branding for anything that renders as the tenant: its pages (the tenant
// shell) and its emails (lib/mail). Served from the tenant and settings caches, which
// every instance drops within 1 s of a change.
import { findTenantBySlug } from "./find-tenant";
import { getTenantSettings } from "./tenant-settings";

export interface TenantBranding {
  /** The tenant's display name. */
  name: string;
  /** An https URL of the logo, or null. */
  logoUrl: string | null;
  /** A #rrggbb colour, or null for the platform's own. */
  accentColor: string | null;
}

/** The tenant's branding; null for an unknown tenant. */
export async function tenantBranding(slug: string): Promise<TenantBranding | null> {
  const tenant = await findTenantBySlug(slug);
  if (!tenant) return null;
  const { branding } = await getTenantSettings(slug);
  return { name: tenant.name, logoUrl: branding.logoUrl, accentColor: branding.accentColor };
}
