// The permission check shared by route handlers (withTenant/withPrincipal) and server
// actions (tenantAction): one place decides, and every denial is audited.
import { auditActions } from "@/lib/audit/actions";
import { recordEvent } from "@/lib/audit/with-audit";
import type { Permission } from "@/lib/auth/permissions";
import { can, principalAuditContext, principalLabel, type Principal } from "@/lib/auth/principal";
import { AppError } from "@/lib/errors/app-error";
import type { RequestMeta } from "./request-meta";

export interface GuardOptions {
  /** Reachable while the tenant's MFA requirement is still unmet (the MFA enrolment itself). */
  allowMfaSetup?: boolean;
}

export async function authorize(
  tenant: string,
  principal: Principal,
  permission: Permission | null,
  meta: RequestMeta,
  what: string,
  options: GuardOptions = {},
): Promise<void> {
  if (principal.kind === "user" && principal.mfaSetupRequired && !options.allowMfaSetup) {
    throw new AppError("forbidden", "This organisation requires two-factor authentication for admins: set it up under My account first.", [], {
      reason: "mfa_setup_required",
    });
  }
  if (permission === null || can(principal, permission)) return;
  await recordEvent(tenant, principalAuditContext(principal, meta), {
    action: auditActions.permissionDenied,
    summary: `${principalLabel(principal)} was denied ${permission} (${what})`,
    metadata: { permission, what },
  });
  throw new AppError("forbidden", `This needs the ${permission} permission, which ${principal.kind === "user" ? `the ${principal.role} role does` : "this API key does"} not have.`, [], {
    reason: "permission_denied",
  });
}
