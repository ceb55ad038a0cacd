// For server components of the admin UI: the tenant and the signed-in user, or a
// redirect to sign-in. Pages that need a permission get the 403 page instead, after
// the denial is audited (the guard's recordDenial, as for routes and actions).
// A section's layout and its page both call it: the layout so that 404/403/redirect
// are decided before its loading.tsx starts streaming a 200, the page because a layout
// is not re-rendered on client navigation. Memoised per request (React cache), so one
// request checks once and audits a denial once.
import { headers } from "next/headers";
import { forbidden, notFound, redirect } from "next/navigation";
import { cache } from "react";
import type { Permission } from "@/lib/auth/permissions";
import { can, principalAuditContext, type UserPrincipal } from "@/lib/auth/principal";
import { principalFromCookie } from "@/lib/auth/cookie-principal";
import type { TenantSettings } from "@/lib/tenancy/settings";
import { tenantFromHeaders } from "@/lib/tenancy/tenant-from-headers";
import type { TenantRecord } from "@/lib/tenancy/tenant-record";
import { getTenantSettings } from "@/lib/tenancy/tenant-settings";
import { AppError } from "@/lib/errors/app-error";
import { setRequestTenant, traced } from "@/lib/observability/tracing/spans";
import { recordDenial } from "./guard";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { requestMeta } from "./request-meta";
import { signInPath } from "./return-path";

export interface PageContext {
  tenant: TenantRecord;
  settings: TenantSettings;
  principal: UserPrincipal;
}

export const optionalPagePrincipal = cache(async (): Promise<{ tenant: TenantRecord; settings: TenantSettings; principal: UserPrincipal | null }> => {
  const h = await headers();
  const tenant = await tenantFromHeaders(h).catch(() => null);
  if (!tenant) notFound();
  setRequestTenant(tenant.slug);
  const settings = await getTenantSettings(tenant.slug);
  const principal = await traced("principal.check", { "principal.permission": "session" }, async (span) => {
    const found = await principalFromCookie(tenant.slug, settings);
    span.setAttribute("principal.type", found ? "user" : "none");
    return found;
  });
  return { tenant, settings, principal };
});

export async function requirePagePrincipal(permission: Permission | null = null, options: { allowMfaSetup?: boolean } = {}): Promise<PageContext> {
  return pageGuard(permission, options.allowMfaSetup ?? false);
}

// Keyed by primitives only, so React's cache finds the layout's call again from the page.
const pageGuard = cache(async (permission: Permission | null, allowMfaSetup: boolean): Promise<PageContext> => {
  const { tenant, settings, principal } = await optionalPagePrincipal();
  const path = (await headers()).get(internalHeaders.path) ?? "/";
  // Back to this page after signing in (the middleware says which page it was).
  if (!principal) redirect(signInPath(path));
  if (principal.mfaSetupRequired && !allowMfaSetup) redirect("/account?mfa=required");
  if (permission && !can(principal, permission)) {
    const denial = new AppError("forbidden", `This page needs the ${permission} permission, which the ${principal.role} role does not have.`, [], {
      reason: "permission_denied",
    });
    // What was denied: the page as requested, without its query.
    const what = `GET ${path.split("?")[0]}`;
    await recordDenial(tenant.slug, principalAuditContext(principal, requestMeta(await headers())), denial, what);
    forbidden();
  }
  return { tenant, settings, principal };
});
