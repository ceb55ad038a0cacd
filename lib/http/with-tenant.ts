// The one wrapper for tenant route handlers: request id, tenant, CORS, principal,
// permission, rate limits and error mapping happen here, never in handler bodies.
//   withTenant(handler)                       anyone (sign-in endpoints, public info)
//   withPrincipal("members:read", handler)    a user token or API key holding it
// Server actions use tenantAction (./tenant-action.ts), which shares the guard.
import type { AuditContext } from "@/lib/audit/context";
import type { Permission } from "@/lib/auth/permissions";
import { principalAuditContext, type Principal } from "@/lib/auth/principal";
import { principalFromBearer } from "@/lib/auth/resolve-principal";
import { AppError } from "@/lib/errors/app-error";
import { observeRequest, routeTemplate } from "@/lib/observability/http";
import { addLogContext } from "@/lib/observability/logger";
import { setRequestTenant, traced, withRequestAttributes } from "@/lib/observability/tracing/spans";
import { applyRateLimitHeaders, tighter } from "@/lib/ratelimit/headers";
import type { Bucket } from "@/lib/ratelimit/hot-limits";
import type { RateLimitResult } from "@/lib/ratelimit/limiter";
import { principalBucket, takeRequestLimits, tenantApiBucket } from "@/lib/ratelimit/request-limits";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { isTenantWriteHold, tenantMovingError } from "@/lib/tenancy/move/write-hold-error";
import type { TenantSettings } from "@/lib/tenancy/settings";
import { tenantFromHeaders } from "@/lib/tenancy/tenant-from-headers";
import type { TenantRecord } from "@/lib/tenancy/tenant-record";
import { getTenantSettings } from "@/lib/tenancy/tenant-settings";
import { allowedOrigin, applyCors, preflightResponse } from "./cors";
import { authorize, isDenial, recordDenial, type GuardOptions } from "./guard";
import { problemFromError } from "./problem-from-error";
import { anonymousContext, requestMeta, type RequestMeta } from "./request-meta";

export interface TenantRequestContext {
  request: Request;
  tenant: TenantRecord;
  settings: TenantSettings;
  requestId: string;
  meta: RequestMeta;
  /** Set by a handler that applied a rate limit of its own (sign-in), for the response headers. */
  rateLimit?: RateLimitResult;
  /**
   * Takes this request's API limits: the tenant's bucket plus `extra` (the principal's,
   * a webhook integration's), in one Redis round trip; throws the 429. The wrapper calls
   * it unless the route takes it itself ({ limits: "in-handler" }) to add a bucket.
   */
  takeLimits(extra?: Bucket[]): Promise<void>;
}

export interface PrincipalRequestContext extends TenantRequestContext {
  principal: Principal;
  /** The audit context of this principal and request, for withAudit. */
  actor: AuditContext;
}

type RouteParams = { params: Promise<Record<string, string | string[]>> };
type Handler<C> = (ctx: C, route: RouteParams) => Promise<Response>;

/** Tells the wrapper who is calling, as soon as it is known, so a 403 is audited with that actor. */
type Identify = (actor: AuditContext) => void;

function run<C extends TenantRequestContext>(prepare: (base: TenantRequestContext, identify: Identify) => Promise<C>, handler: Handler<C>) {
  return async (request: Request, route: RouteParams): Promise<Response> => {
    const requestId = request.headers.get(internalHeaders.requestId) ?? crypto.randomUUID();
    const template = routeTemplate(new URL(request.url).pathname, await route?.params);
    // Every span of this request (Next's, the principal check, queries, Redis) carries tenant and request id;
    // the tenant the middleware named until it is confirmed (its own lookup query included).
    const tenant = request.headers.get(internalHeaders.tenant) ?? undefined;
    return withRequestAttributes({ requestId, tenant }, () =>
      observeRequest(request, template, { request_id: requestId }, () => answer(request, route, requestId)),
    );
  };

  async function answer(request: Request, route: RouteParams, requestId: string): Promise<Response> {
    let origin: string | null = null;
    let limits: RateLimitResult | undefined;
    let response: Response;
    let tenantSlug: string | undefined;
    let actor: AuditContext | undefined;
    const meta = requestMeta(request.headers, requestId);
    try {
      const tenant = await tenantFromHeaders(request.headers);
      if (!tenant) throw new AppError("not_found", "Unknown tenant.");
      tenantSlug = tenant.slug;
      addLogContext({ tenant: tenant.slug });
      setRequestTenant(tenant.slug);
      const settings = await getTenantSettings(tenant.slug);
      origin = allowedOrigin(request, settings);
      let taken = false;
      const base: TenantRequestContext = {
        request,
        tenant,
        settings,
        requestId,
        meta,
        async takeLimits(extra = []) {
          if (taken) throw new Error("takeLimits called twice for one request");
          taken = true;
          limits = tighter(limits, await takeRequestLimits([tenantApiBucket(tenant.slug, settings), ...extra]));
        },
      };
      const ctx = await prepare(base, (who) => {
        actor = who;
        addLogContext({ principal_type: who.actorType, principal_id: who.actorId });
      }).finally(() => {
        limits = tighter(limits, base.rateLimit);
      });
      response = await handler(ctx, route);
      // A route that takes its own limits and returned early (a refusal) still counts.
      if (!taken) await base.takeLimits().catch(() => undefined);
      limits = tighter(limits, ctx.rateLimit);
    } catch (caught) {
      // A write refused by a tenant move's read-only hold: 503 + Retry-After, for API and webhook alike.
      const err = isTenantWriteHold(caught) ? tenantMovingError() : caught;
      if (err instanceof AppError && err.code === "rate_limited") limits = undefined; // the error carries its own headers
      // Every 403 of a tenant route is audited here, once, whoever raised it.
      if (isDenial(err) && tenantSlug)
        await recordDenial(tenantSlug, actor ?? anonymousContext(meta), err, `${request.method} ${new URL(request.url).pathname}`);
      response = problemFromError(err, requestId);
    }
    response.headers.set(internalHeaders.requestId, requestId);
    // Answers are per caller and tenant (next.config.js says the same for /api/*).
    if (!response.headers.has("cache-control")) response.headers.set("cache-control", "no-store");
    applyCors(response.headers, origin);
    if (limits) applyRateLimitHeaders(response.headers, limits);
    return response;
  }
}

export interface TenantRouteOptions {
  /** "before" (default): the wrapper takes the tenant's limit before the handler runs. */
  limits?: "before" | "in-handler";
}

/** A tenant route anyone may call. */
export function withTenant(handler: Handler<TenantRequestContext>, options: TenantRouteOptions = {}) {
  return run(async (base) => {
    if (options.limits !== "in-handler") await base.takeLimits();
    return base;
  }, handler);
}

/** A tenant route for a principal (Bearer access token or API key) holding `permission` (null: any principal). */
export function withPrincipal(permission: Permission | null, handler: Handler<PrincipalRequestContext>, options: GuardOptions = {}) {
  return run(async (base, identify) => {
    const principal = await traced("principal.check", { "principal.permission": permission ?? "any" }, async (span) => {
      const found = await principalFromBearer(base.tenant.slug, base.request.headers.get("authorization"), base.meta, base.settings);
      span.setAttribute("principal.type", found?.kind ?? "none");
      return found;
    });
    if (!principal) {
      throw new AppError("unauthorized", "Authenticate with `Authorization: Bearer <access token or API key>`.", [], {
        headers: { "WWW-Authenticate": "Bearer" },
        reason: "unauthenticated",
      });
    }
    const actor = principalAuditContext(principal, base.meta);
    identify(actor);
    await base.takeLimits([principalBucket(base.tenant.slug, principal, base.settings)]);
    authorize(principal, permission, options);
    return { ...base, principal, actor };
  }, handler);
}

/** The OPTIONS handler of every tenant API route (CORS preflight). */
export async function corsPreflight(request: Request, route?: RouteParams): Promise<Response> {
  const requestId = request.headers.get(internalHeaders.requestId) ?? crypto.randomUUID();
  const template = routeTemplate(new URL(request.url).pathname, await route?.params);
  return observeRequest(request, template, { request_id: requestId }, async () => {
    const tenant = await tenantFromHeaders(request.headers).catch(() => null);
    if (!tenant) return preflightResponse(null);
    addLogContext({ tenant: tenant.slug });
    return preflightResponse(allowedOrigin(request, await getTenantSettings(tenant.slug)));
  });
}
