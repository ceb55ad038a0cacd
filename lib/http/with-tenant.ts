// The one wrapper for tenant route handlers: request id, tenant, error mapping.
// Later capabilities (authentication, permissions, rate limits, audit) hook in here,
// never in handler bodies.
import { AppError } from "@/lib/errors/app-error";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { tenantFromHeaders } from "@/lib/tenancy/tenant-from-headers";
import type { TenantRecord } from "@/lib/tenancy/tenant-record";
import { problemFromError } from "./problem";

export interface TenantRequestContext {
  request: Request;
  tenant: TenantRecord;
  requestId: string;
}

type RouteParams = { params: Promise<Record<string, string | string[]>> };

export function withTenant(handler: (ctx: TenantRequestContext, route: RouteParams) => Promise<Response>) {
  return async (request: Request, route: RouteParams): Promise<Response> => {
    const requestId = request.headers.get(internalHeaders.requestId) ?? crypto.randomUUID();
    try {
      const tenant = await tenantFromHeaders(request.headers);
      if (!tenant) throw new AppError("not_found", "Unknown tenant.");
      const response = await handler({ request, tenant, requestId }, route);
      response.headers.set(internalHeaders.requestId, requestId);
      return response;
    } catch (err) {
      return problemFromError(err, requestId);
    }
  };
}
