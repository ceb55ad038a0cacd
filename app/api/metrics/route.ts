// Prometheus scrapes this (lib/observability/metrics-endpoint.ts; README: Observability).
import { withObservation } from "@/lib/observability/http";
import { serveMetrics } from "@/lib/observability/metrics-endpoint";

export const dynamic = "force-dynamic";

export const GET = withObservation("/api/metrics", serveMetrics);
