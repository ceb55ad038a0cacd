// Edge middleware: maps every request to a tenant (or to the platform), strips any
// incoming copy of the internal tenant headers and sets its own. Rules live in
// lib/tenancy/resolve-request.ts; this file only does the I/O.
import { NextResponse, type NextRequest } from "next/server";
import { edgeEnv } from "@/lib/env";
import { problemResponse } from "@/lib/http/problem";
import { applyRateLimitHeaders, encodeForwardedRateLimit } from "@/lib/ratelimit/headers";
import { consume } from "@/lib/ratelimit/limiter";
import { platformRateLimits, rateLimitWindows } from "@/lib/ratelimit/limits";
import { edgeLookups, edgeTenantApiLimit } from "@/lib/tenancy/edge-lookups";
import { internalHeaders, tenantIdHeader } from "@/lib/tenancy/internal-headers";
import { isApiPath, resolveRequest } from "@/lib/tenancy/resolve-request";

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};

const requestIdPattern = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Takes one request from the tenant's API bucket. `key` is the tenant slug, or the
 * hostname when the Edge could not map a custom domain (Redis down or mirror missing).
 * Fails open: a Redis outage must not take the API down.
 */
async function limitTenantApi(key: string, slug: string | null) {
  const perMinute = (slug && (await edgeTenantApiLimit(slug))) || platformRateLimits.apiPerMinute;
  return consume({ bucket: "api", key, limit: perMinute, windowSeconds: rateLimitWindows.api, onFailure: "open" });
}

/** The tenant behind a custom hostname: the lookup resolveRequest just made, so isolate-cached. */
async function customHostTenant(hostname: string): Promise<string | null> {
  const slug = await edgeLookups.domainTenant(hostname);
  return slug === null || slug === "unknown" ? null : slug;
}

export async function middleware(request: NextRequest): Promise<Response> {
  const { pathname } = request.nextUrl;
  const incomingId = request.headers.get(internalHeaders.requestId);
  const requestId = incomingId && requestIdPattern.test(incomingId) ? incomingId : crypto.randomUUID();

  const headers = new Headers(request.headers);
  headers.delete(internalHeaders.tenant);
  headers.delete(internalHeaders.tenantHost);
  headers.delete(internalHeaders.rateLimit);
  headers.set(internalHeaders.requestId, requestId);

  const resolution = await resolveRequest(
    { host: request.headers.get("host"), pathname, tenantIdHeader: request.headers.get(tenantIdHeader) },
    edgeEnv().APP_ROOT_DOMAIN,
    edgeLookups,
  );
  const api = isApiPath(pathname);
  const onward = () => {
    const res = NextResponse.next({ request: { headers } });
    res.headers.set(internalHeaders.requestId, requestId);
    return res;
  };
  /** Tenant API traffic: 429 when the tenant's bucket is empty, else onward with the result. */
  const limitedOnward = async (key: string, slug: string | null) => {
    const limit = await limitTenantApi(key, slug);
    if (!limit.allowed) {
      const limitHeaders = new Headers({ [internalHeaders.requestId]: requestId });
      applyRateLimitHeaders(limitHeaders, limit);
      return problemResponse(429, `Too many requests for this tenant; retry in ${Math.max(1, limit.resetSeconds)} s.`, {
        requestId,
        headers: limitHeaders,
        reason: "rate_limited",
      });
    }
    // The route wrapper sets the RateLimit-* response headers (tighter of this and the principal's).
    headers.set(internalHeaders.rateLimit, encodeForwardedRateLimit(limit));
    return onward();
  };

  switch (resolution.type) {
    case "bad-request":
      return problemResponse(400, resolution.detail, { requestId });
    case "not-found":
      if (api) return problemResponse(404, resolution.detail, { requestId });
      // A path with no page renders the app's 404 page with status 404.
      return NextResponse.rewrite(new URL("/__unknown-tenant", request.url));
    case "platform": {
      if (api) return onward();
      const url = request.nextUrl.clone();
      url.pathname = pathname.startsWith("/platform") ? pathname : `/platform${pathname === "/" ? "" : pathname}`;
      return NextResponse.rewrite(url, { request: { headers } });
    }
    case "tenant":
      // The operator console is not reachable on a tenant's host.
      if (pathname === "/platform" || pathname.startsWith("/platform/"))
        return NextResponse.rewrite(new URL("/__unknown-tenant", request.url));
      headers.set(internalHeaders.tenant, resolution.slug);
      return api ? limitedOnward(resolution.slug, resolution.slug) : onward();
    case "tenant-host": {
      if (pathname === "/platform" || pathname.startsWith("/platform/"))
        return NextResponse.rewrite(new URL("/__unknown-tenant", request.url));
      headers.set(internalHeaders.tenantHost, resolution.hostname);
      if (resolution.headerSlug) headers.set(internalHeaders.tenant, resolution.headerSlug);
      if (!api) return onward();
      // Unmapped here (no Redis, or no mirror yet): counted per hostname instead.
      const slug = await customHostTenant(resolution.hostname);
      return limitedOnward(slug ?? `host:${resolution.hostname}`, slug);
    }
  }
}
