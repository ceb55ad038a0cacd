// API keys scoped to one organization (api_keys.organization_id). Such a key reaches only
// routes that opted in (withPrincipal's `organizationScope`), and there only its
// organization's objects: another organization's, or a tenant-wide object, is "not found".
import type { Principal } from "@/lib/auth/principal";
import { AppError } from "@/lib/errors/app-error";
import { loadIntegration, notFound } from "@/lib/integrations/integrations";

/** The organization a principal is confined to, or null (users and unscoped keys). */
export function scopedOrganization(principal: Principal): string | null {
  return principal.kind === "api_key" ? principal.organizationId : null;
}

/** Refuses a scoped principal an object outside its organization, as if it did not exist. */
export function assertVisible(principal: Principal, objectOrganizationId: string | null, notFound: () => AppError): void {
  const scope = scopedOrganization(principal);
  if (scope !== null && objectOrganizationId !== scope) throw notFound();
}

/** A scoped key on a route that did not opt in: 403 (audited by the wrapper). */
export function scopeDenied(): AppError {
  return new AppError("forbidden", "This API key is scoped to one organization and cannot use tenant-wide endpoints.", [], { reason: "organization_scope" });
}

/**
 * For routes on one integration: 404 unless a scoped principal's organization owns it
 * (unscoped principals pass; the route's own lookup answers for unknown ids).
 */
export async function assertIntegrationInScope(slug: string, principal: Principal, integrationId: string): Promise<void> {
  const scope = scopedOrganization(principal);
  if (scope === null) return;
  const row = await loadIntegration(slug, integrationId);
  assertVisible(principal, row.organizationId, notFound);
}

/** A scoped key's writes stay inside its organization: it may only name its own (or none, meaning its own). */
export function confineToScope<T extends { organizationId?: string | null }>(principal: Principal, body: T): T {
  const scope = scopedOrganization(principal);
  if (scope === null) return body;
  if (body.organizationId !== undefined && body.organizationId !== scope)
    throw new AppError("forbidden", "This API key is scoped to one organization: it can only place objects in that organization.", [], {
      reason: "organization_scope",
    });
  return { ...body, organizationId: scope };
}
