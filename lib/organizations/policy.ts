// Object-level rules on organizations, beside the role map (lib/auth/permissions.ts):
//  - organizations:write (owners, admins) manages every organization;
//  - an organization's org_admin manages that organization's members, whatever their
//    tenant role;
//  - a key scoped to an organization sees only that organization: anything else is
//    "not found" (lib/organizations/scope.ts).
// A refusal is an AppError("forbidden"); the request wrapper that catches it audits it
// (lib/http/guard.ts recordDenial).
import type { Principal } from "@/lib/auth/principal";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import type { OrgRole } from "./schemas";

/** The user's role in the organization, or null. */
export async function orgRoleOf(slug: string, organizationId: string, userId: string): Promise<OrgRole | null> {
  const row = await tenantDb(slug).organizationMember.findUnique({
    where: { organizationId_userId: { organizationId, userId } },
    select: { role: true },
  });
  return (row?.role as OrgRole | undefined) ?? null;
}

/** Pure: may a principal with these facts manage the organization's members? */
export function mayManageMembers(principal: Pick<Principal, "permissions">, orgRole: OrgRole | null): boolean {
  return principal.permissions.includes("organizations:write") || orgRole === "org_admin";
}

export async function assertMayManageMembers(slug: string, principal: Principal, organizationId: string): Promise<void> {
  const orgRole = principal.kind === "user" ? await orgRoleOf(slug, organizationId, principal.id) : null;
  if (mayManageMembers(principal, orgRole)) return;
  throw new AppError("forbidden", "Managing this organization's members needs the organizations:write permission or the org_admin role in it.", [], {
    reason: "org_admin_only",
  });
}
