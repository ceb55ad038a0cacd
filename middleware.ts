// Edge middleware: maps every request to a tenant (or to the platform), strips any
// incoming copy of the internal tenant headers and sets its own. Rules live in
// lib/tenancy/resolve-request.ts; this file only does the I/O. It keeps its work small
// (an Edge middleware costs about half a bare route's throughput on its own): rate
// limits are taken on the Node side, in one Redis call with the principal's.
import { NextResponse, type NextRequest } from "next/server";
import { edgeEnv } from "@/lib/env";
import { problemResponse } from "@/lib/http/problem";
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

  const headers = new Headers(request.headers);
  headers.delete(internalHeaders.tenant);
  headers.delete(internalHeaders.tenantHost);
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
      return onward();
    case "tenant-host": {
      if (pathname === "/platform" || pathname.startsWith("/platform/"))
        return NextResponse.rewrite(new URL("/__unknown-tenant", request.url));
      headers.set(internalHeaders.tenantHost, resolution.hostname);
      if (resolution.headerSlug) headers.set(internalHeaders.tenant, resolution.headerSlug);
      return onward();
    }
  }
}
