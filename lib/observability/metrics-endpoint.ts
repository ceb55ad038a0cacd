// GET /api/metrics: Prometheus text, for operators only. Never on a tenant's host (the
// middleware already answers 404 there; checked again here). Without METRICS_TOKEN the
// endpoint does not exist (404); with it, `Authorization: Bearer <token>` is required,
// compared in constant time, else 401 problem+json.
import { safeEqual } from "@/lib/crypto/compare";
import { serverEnv } from "@/lib/env";
import { problemResponse } from "@/lib/http/problem";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { metricsText } from "./cluster-metrics";
import { log } from "./logger";

export async function serveMetrics(request: Request): Promise<Response> {
  const requestId = request.headers.get(internalHeaders.requestId) ?? undefined;
  const onTenantHost = request.headers.has(internalHeaders.tenant) || request.headers.has(internalHeaders.tenantHost);
  const token = serverEnv().METRICS_TOKEN;
  if (onTenantHost || !token) return problemResponse(404, "No such API endpoint.", { requestId });
  const given = /^Bearer (.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]?.trim() ?? "";
  if (!given || !safeEqual(given, token)) {
    return problemResponse(401, "Send `Authorization: Bearer <METRICS_TOKEN>`.", { requestId, headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } });
  }
  try {
    const { contentType, body } = await metricsText();
    return new Response(body, { status: 200, headers: { "content-type": contentType, "cache-control": "no-store" } });
  } catch (err) {
    log().error({ err, component: "metrics" }, "could not collect metrics");
    return problemResponse(503, "Metrics are briefly unavailable.", { requestId, headers: { "Retry-After": "5" } });
  }
}
