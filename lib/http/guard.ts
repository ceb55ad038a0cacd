// The permission check shared by route handlers (withTenant/withPrincipal) and server
// actions (tenantAction), and the one audited path of every denial: whatever raises a
// 403 (this guard, an object rule in lib/members, an API-key scope check, a page guard)
// throws an AppError("forbidden"), and the request wrapper that catches it calls
// recordDenial once. Nothing else answers 403 (test/denials-audited.test.ts checks the
// sources), so no denial goes unrecorded and none is recorded twice.
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { recordEvent } from "@/lib/audit/with-audit";
import type { Permission } from "@/lib/auth/permissions";
import { can, type Principal } from "@/lib/auth/principal";
import { AppError } from "@/lib/errors/app-error";
import { log } from "@/lib/observability/logger";
import { scopeDenied } from "@/lib/organizations/scope";

export interface GuardOptions {
  /** Reachable while the tenant's MFA requirement is still unmet (the MFA enrolment itself). */
  allowMfaSetup?: boolean;
  /**
   * The route serves keys scoped to one organization and confines them to it itself
   * (lib/organizations/scope.ts). Without it such a key is refused: new routes are
   * tenant-wide, hence closed to scoped keys, until they opt in.
   */
  organizationScope?: boolean;
}

export function authorize(principal: Principal, permission: Permission | null, options: GuardOptions = {}): void {
  if (principal.kind === "user" && principal.mfaSetupRequired && !options.allowMfaSetup) {
    throw new AppError("forbidden", "This organisation requires two-factor authentication for admins: set it up under My account first.", [], {
      reason: "mfa_setup_required",
    });
  }
  if (principal.kind === "api_key" && principal.organizationId !== null && !options.organizationScope) throw scopeDenied();
  if (permission === null || can(principal, permission)) return;
  throw new AppError(
    "forbidden",
    `This needs the ${permission} permission, which ${principal.kind === "user" ? `the ${principal.role} role does` : "this API key does"} not have.`,
    [],
    {
      reason: "permission_denied",
    },
  );
}

export function isDenial(err: unknown): err is AppError {
  return err instanceof AppError && err.code === "forbidden";
}

/**
 * Records one `auth.permission_denied` row for a 403: who (the actor, or the anonymous
 * caller), what (the request or action) and why (the error's reason and message).
 * Written on its own connection after the refused work rolled back, so it stays.
 * Never throws: a failed audit write is logged and the 403 still goes out.
 */
export async function recordDenial(tenant: string, actor: AuditContext, err: AppError, what: string): Promise<void> {
  const who = actor.actorLabel ?? actor.actorType;
  try {
    await recordEvent(tenant, actor, {
      action: auditActions.permissionDenied,
      summary: `${who} was denied ${what}: ${err.message}`.slice(0, 1_000),
      metadata: { what: what.slice(0, 300), reason: err.reason ?? "forbidden", detail: err.message.slice(0, 500) },
    });
  } catch (auditErr) {
    log().error({ err: auditErr, component: "guard", tenant, what }, "could not record a permission denial");
  }
}
