// CORS for the tenant API: only origins listed in the tenant's settings get CORS
// headers; everything else gets none, so browsers refuse the response. Credentials
// (cookies) are never allowed cross-origin: the API authenticates with Bearer tokens.
import type { TenantSettings } from "@/lib/tenancy/settings";

const exposed = "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-Request-Id, WWW-Authenticate";

export function allowedOrigin(request: Request, settings: TenantSettings): string | null {
  const origin = request.headers.get("origin");
  if (!origin) return null;
  return settings.corsOrigins.some((o) => new URL(o).origin === origin) ? origin : null;
}

export function applyCors(headers: Headers, origin: string | null): void {
  headers.append("Vary", "Origin");
  if (!origin) return;
  headers.set("Access-Control-Allow-Origin", origin);
  headers.set("Access-Control-Expose-Headers", exposed);
}

export function preflightResponse(origin: string | null): Response {
  const headers = new Headers();
  applyCors(headers, origin);
  if (origin) {
    headers.set("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE, OPTIONS");
    headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Tenant-ID, X-Request-Id");
    headers.set("Access-Control-Max-Age", "600");
  }
  return new Response(null, { status: 204, headers });
}
