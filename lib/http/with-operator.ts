// The request wrapper of the operator console's route handlers (app/platform/api/...),
// the platform's counterpart of with-tenant.ts: request id, refusal of any request the
// middleware resolved to a tenant, the same-origin check for state-changing calls
// (JSON bodies only, SameSite=Strict cookie, and Origin / Sec-Fetch-Site must be ours),
// the operator session from its own cookie, and errors as problem+json. Never a tenant
// principal: tenant cookies and Bearer tokens are not looked at.
import { AppError } from "@/lib/errors/app-error";
import { operatorAuditContext, operatorCookie, operatorFromToken, type Operator } from "@/lib/operators/sessions";
import type { AuditContext } from "@/lib/audit/context";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { problemFromError } from "./problem-from-error";
import { getPool } from "@/lib/db/pool";
import { recordPlatformEvent, sealPlatformAudit } from "@/lib/platform-audit/record";
import { anonymousContext, requestMeta, type RequestMeta } from "./request-meta";
import { log } from "@/lib/observability/logger";

type RouteParams = { params: Promise<Record<string, string | string[]>> };

export interface PlatformRequestContext {
  request: Request;
  requestId: string;
  meta: RequestMeta;
}

export interface OperatorRequestContext extends PlatformRequestContext {
  operator: Operator;
  actor: AuditContext;
}

type Handler<C> = (ctx: C, route: RouteParams) => Promise<Response>;

interface HeaderReader {
  get(name: string): string | null;
}

/** The operator cookie's value from a Cookie header. */
export function operatorTokenFrom(headers: HeaderReader): string | undefined {
  const name = operatorCookie().name;
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** True when the middleware resolved the request to a tenant (a tenant's host, or X-Tenant-ID). */
export function onTenantHost(headers: HeaderReader): boolean {
  return headers.get(internalHeaders.tenant) !== null || headers.get(internalHeaders.tenantHost) !== null;
}

function checkSameOrigin(request: Request): void {
  if (request.method === "GET" || request.method === "HEAD") return;
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") throw new AppError("forbidden", "Cross-site request refused.", [], { reason: "cross_site" });
  const origin = request.headers.get("origin");
  const host = request.headers.get("host");
  if (origin && host && URL.parse(origin)?.host !== host) throw new AppError("forbidden", "Cross-site request refused.", [], { reason: "cross_site" });
}

async function auditRefusal(request: Request, requestId: string, err: AppError): Promise<void> {
  const meta = requestMeta(request.headers, requestId);
  await recordPlatformEvent(getPool(), anonymousContext(meta), {
    action: "console.request_refused",
    summary: `${request.method} ${new URL(request.url).pathname} refused: ${err.message}`.slice(0, 1000),
    metadata: { reason: err.reason ?? err.code, origin: request.headers.get("origin")?.slice(0, 200) ?? null },
  })
    .then(() => sealPlatformAudit())
    .catch((e: unknown) => log().error({ component: "console", reason: e instanceof Error ? e.message : String(e) }, "could not audit a refusal"));
}

function run<C>(prepare: (base: PlatformRequestContext) => Promise<C>, handler: Handler<C>) {
  return async (request: Request, route: RouteParams): Promise<Response> => {
    const requestId = request.headers.get(internalHeaders.requestId) ?? crypto.randomUUID();
    let response: Response;
    try {
      // The middleware already answers 404 for /platform on a tenant's host; this holds even without it.
      if (onTenantHost(request.headers)) throw new AppError("not_found", "Not found.");
      checkSameOrigin(request);
      const ctx = await prepare({ request, requestId, meta: requestMeta(request.headers, requestId) });
      response = await handler(ctx, route);
    } catch (err) {
      // A refusal (cross-site) goes to the platform audit log, like every 403 of a tenant's.
      if (err instanceof AppError && err.code === "forbidden") await auditRefusal(request, requestId, err);
      response = problemFromError(err, requestId);
    }
    response.headers.set(internalHeaders.requestId, requestId);
    if (!response.headers.has("cache-control")) response.headers.set("cache-control", "no-store");
    return response;
  };
}

/** A console route anyone may call (the sign-in steps). */
export function withPlatform(handler: Handler<PlatformRequestContext>) {
  return run(async (base) => base, handler);
}

/** A console route for a signed-in operator (password and TOTP done). */
export function withOperator(handler: Handler<OperatorRequestContext>) {
  return run(async (base) => {
    const operator = await operatorFromToken(operatorTokenFrom(base.request.headers));
    if (!operator) throw new AppError("unauthorized", "Sign in to the operator console first.", [], { reason: "unauthenticated" });
    return { ...base, operator, actor: operatorAuditContext(operator, base.meta) };
  }, handler);
}

/** A route parameter, parsed (a bad one is a 400 naming it; absent values are a 404 upstream). */
export async function routeParam(route: RouteParams, name: string): Promise<string> {
  const value = (await route.params)[name];
  return Array.isArray(value) ? value.join("/") : String(value ?? "");
}
