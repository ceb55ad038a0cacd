// Edge middleware: maps every request to a tenant (or to the platform), strips any
// incoming copy of the internal tenant headers and sets its own. Rules live in
// lib/tenancy/resolve-request.ts; this file only does the I/O. It keeps its work small
// (an Edge middleware costs about half a bare route's throughput on its own): rate
// limits are taken on the Node side, in one Redis call with the principal's.
import { NextResponse, type NextRequest } from "next/server";
import { edgeEnv } from "@/lib/env";
import { crossSiteActionOrigin, crossSiteRefusedPath } from "@/lib/http/cross-site-action";
import { contentSecurityPolicy, newNonce } from "@/lib/http/csp";
import { problemResponse } from "@/lib/http/problem";
import { edgeLog } from "@/lib/observability/edge-log";
import { edgeLookups } from "@/lib/tenancy/edge-lookups";
import { internalHeaders, tenantIdHeader } from "@/lib/tenancy/internal-headers";
import { isApiPath, resolveRequest } from "@/lib/tenancy/resolve-request";

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};

const requestIdPattern = /^[A-Za-z0-9._-]{8,64}$/;

export async function middleware(request: NextRequest): Promise<Response> {
  const { pathname } = request.nextUrl;
  const incomingId = request.headers.get(internalHeaders.requestId);
  const requestId = incomingId && requestIdPattern.test(incomingId) ? incomingId : crypto.randomUUID();

  // The peer address (internalHeaders.peer) is NOT stripped: our launcher set it from
  // the socket before this runs, overwriting any client copy.
  const headers = new Headers(request.headers);
  headers.delete(internalHeaders.tenant);
  headers.delete(internalHeaders.tenantHost);
  headers.set(internalHeaders.requestId, requestId);
  headers.set(internalHeaders.path, `${pathname}${request.nextUrl.search}`);
  const api = isApiPath(pathname);
  // Pages get a CSP with a fresh nonce: on the request, where Next reads the nonce for
  // its scripts, and on the response. API answers are JSON: only the static headers.
  let csp: string | undefined;
  if (!api) {
    csp = contentSecurityPolicy(newNonce(), process.env.NODE_ENV === "development");
    headers.set("content-security-policy", csp);
  } else {
    headers.delete("content-security-policy");
  }
  const withCsp = <R extends Response>(res: R): R => {
    if (csp) res.headers.set("content-security-policy", csp);
    return res;
  };

  const resolution = await resolveRequest(
    { host: request.headers.get("host"), pathname, tenantIdHeader: request.headers.get(tenantIdHeader) },
    edgeEnv().APP_ROOT_DOMAIN,
    edgeLookups,
  );
  // A server action from another site: an audited 403 on the tenant (Next alone answers 500).
  const crossSite = api ? null : crossSiteActionOrigin(request);
  const onward = () => {
    if (crossSite !== null) {
      const url = new URL(crossSiteRefusedPath, request.url);
      headers.delete("next-action"); // the refusal route is a plain route, not an action
      return withCsp(NextResponse.rewrite(url, { request: { headers } }));
    }
    const res = NextResponse.next({ request: { headers } });
    res.headers.set(internalHeaders.requestId, requestId);
    return withCsp(res);
  };
  // An API request answered here never reaches the Node side's access log: its line is written here.
  const answered = (status: number, detail: string) => {
    if (api) edgeLog("info", "request", { request_id: requestId, method: request.method, route: "(middleware)", status, reason: resolution.type });
    return problemResponse(status, detail, { requestId });
  };
  switch (resolution.type) {
    case "bad-request":
      return answered(400, resolution.detail);
    case "not-found":
      if (api) return answered(404, resolution.detail);
      // A path with no page renders the app's 404 page with status 404.
      return withCsp(NextResponse.rewrite(new URL("/__unknown-tenant", request.url), { request: { headers } }));
    case "platform": {
      if (api) return onward();
      // No tenant to audit into: the operator console refuses it here.
      if (crossSite !== null) return problemResponse(403, "Cross-site request refused.", { requestId, reason: "cross_site" });
      const url = request.nextUrl.clone();
      url.pathname = pathname.startsWith("/platform") ? pathname : `/platform${pathname === "/" ? "" : pathname}`;
      return withCsp(NextResponse.rewrite(url, { request: { headers } }));
    }
    case "tenant":
      // The operator console is not reachable on a tenant's host.
      if (pathname === "/platform" || pathname.startsWith("/platform/"))
        return withCsp(NextResponse.rewrite(new URL("/__unknown-tenant", request.url), { request: { headers } }));
      headers.set(internalHeaders.tenant, resolution.slug);
      return onward();
    case "tenant-host": {
      if (pathname === "/platform" || pathname.startsWith("/platform/"))
        return withCsp(NextResponse.rewrite(new URL("/__unknown-tenant", request.url), { request: { headers } }));
      headers.set(internalHeaders.tenantHost, resolution.hostname);
      if (resolution.headerSlug) headers.set(internalHeaders.tenant, resolution.headerSlug);
      return onward();
    }
  }
}
