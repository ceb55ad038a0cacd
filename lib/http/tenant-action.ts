// The server-action side of the request wrapper: tenant, session principal, the same
// permission guard and per-principal rate limit as route handlers, zod parsing of the
// form, and errors turned into state the form can show (field errors included).
// Next's own origin check on server actions stays on (nothing here disables it).
import { headers } from "next/headers";
import { redirect, unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import type { AuditContext } from "@/lib/audit/context";
import type { Permission } from "@/lib/auth/permissions";
import { principalAuditContext, type UserPrincipal } from "@/lib/auth/principal";
import { principalFromCookie } from "@/lib/auth/cookie-principal";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { limitPrincipal } from "@/lib/ratelimit/principal-limit";
import type { TenantSettings } from "@/lib/tenancy/settings";
import { tenantFromHeaders } from "@/lib/tenancy/tenant-from-headers";
import type { TenantRecord } from "@/lib/tenancy/tenant-record";
import { isTenantWriteHold, tenantMovingError } from "@/lib/tenancy/move/write-hold-error";
import { getTenantSettings } from "@/lib/tenancy/tenant-settings";
import { authorize, isDenial, recordDenial, type GuardOptions } from "./guard";
import { anonymousContext, requestMeta, type RequestMeta } from "./request-meta";
import { log } from "@/lib/observability/logger";

export interface ActionState<R = unknown> {
  ok: boolean;
  message?: string;
  fieldErrors?: Record<string, string>;
  result?: R;
  /** Changes on every submission, so a form can tell two identical answers apart. */
  at?: number;
}

export interface PublicActionContext {
  tenant: TenantRecord;
  settings: TenantSettings;
  meta: RequestMeta;
}

export interface ActionContext extends PublicActionContext {
  principal: UserPrincipal;
  actor: AuditContext;
}

/** What a failed action answers; a 403 is audited first (the one place for server actions). */
async function failure(caught: unknown, base: PublicActionContext | undefined, actor: AuditContext | undefined, what: string): Promise<ActionState<never>> {
  unstable_rethrow(caught); // redirect() and notFound() are not failures
  const err = isTenantWriteHold(caught) ? tenantMovingError() : caught;
  if (isDenial(err) && base) await recordDenial(base.tenant.slug, actor ?? anonymousContext(base.meta), err, `action: ${what}`);
  if (err instanceof AppError) {
    const fieldErrors = Object.fromEntries(err.fieldErrors.map((f) => [f.path || "form", f.message]));
    return { ok: false, message: err.message, fieldErrors, at: Date.now() };
  }
  log().error({ err, component: "action" }, "unhandled error in a server action");
  return { ok: false, message: "Something went wrong; nothing was changed. Try again.", at: Date.now() };
}

async function publicContext(): Promise<PublicActionContext> {
  const h = await headers();
  const tenant = await tenantFromHeaders(h);
  if (!tenant) throw new AppError("not_found", "Unknown tenant.");
  return { tenant, settings: await getTenantSettings(tenant.slug), meta: requestMeta(h) };
}

function formObject(formData: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of formData.entries()) {
    if (key.startsWith("$ACTION")) continue;
    if (typeof value !== "string") continue;
    // Repeated keys (checkbox groups) become arrays.
    out[key] = key in out ? [...([] as unknown[]).concat(out[key]), value] : value;
  }
  return out;
}

/** A server action for a signed-in user holding `permission` (null: any signed-in user). */
export function tenantAction<S extends z.ZodType, R>(
  options: { permission: Permission | null; input: S; what: string } & GuardOptions,
  fn: (ctx: ActionContext, input: z.infer<S>) => Promise<R>,
) {
  return async (_prev: ActionState<R>, formData: FormData): Promise<ActionState<R>> => {
    let base: PublicActionContext | undefined;
    let actor: AuditContext | undefined;
    try {
      base = await publicContext();
      const principal = await principalFromCookie(base.tenant.slug, base.settings);
      if (!principal) redirect("/sign-in");
      actor = principalAuditContext(principal, base.meta);
      await limitPrincipal(base.tenant.slug, principal, base.settings);
      authorize(principal, options.permission, options);
      const input = parseOrThrow(options.input, formObject(formData), options.what);
      const result = await fn({ ...base, principal, actor }, input);
      return { ok: true, result, at: Date.now() };
    } catch (err) {
      return failure(err, base, actor, options.what);
    }
  };
}

/** A server action anyone may call on a tenant's host (sign-in, accepting an invitation). */
export function publicTenantAction<S extends z.ZodType, R>(
  options: { input: S; what: string },
  fn: (ctx: PublicActionContext, input: z.infer<S>) => Promise<R>,
) {
  return async (_prev: ActionState<R>, formData: FormData): Promise<ActionState<R>> => {
    let base: PublicActionContext | undefined;
    try {
      base = await publicContext();
      const input = parseOrThrow(options.input, formObject(formData), options.what);
      return { ok: true, result: await fn(base, input), at: Date.now() };
    } catch (err) {
      return failure(err, base, undefined, options.what);
    }
  };
}
