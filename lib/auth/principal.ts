// Who is acting on a tenant: a signed-in user (browser session or access token) or an
// API key. Permissions are resolved once, when the principal is built.
import type { AuditContext } from "@/lib/audit/context";
import type { RequestMeta } from "@/lib/http/request-meta";
import type { Permission, Role } from "./permissions";

export interface UserPrincipal {
  kind: "user";
  id: string;
  email: string;
  name: string | null;
  role: Role;
  permissions: readonly Permission[];
  sessionId: string;
  mfaEnabled: boolean;
  /** The tenant requires MFA for this role and the user has not enrolled yet. */
  mfaSetupRequired: boolean;
}

export interface ApiKeyPrincipal {
  kind: "api_key";
  id: string;
  name: string;
  prefix: string;
  permissions: readonly Permission[];
  createdById: string | null;
  /** Set for a key scoped to one organization: it sees only that organization's objects (lib/organizations/scope.ts). */
  organizationId: string | null;
}

export type Principal = UserPrincipal | ApiKeyPrincipal;

export function principalLabel(p: Principal): string {
  return p.kind === "user" ? p.email : `api key ${p.prefix} (${p.name})`;
}

export function principalAuditContext(p: Principal, meta: RequestMeta): AuditContext {
  return {
    actorType: p.kind === "user" ? "user" : "api_key",
    actorId: p.id,
    actorLabel: principalLabel(p).slice(0, 200),
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
  };
}

export function can(p: Principal, permission: Permission): boolean {
  return p.permissions.includes(permission);
}
