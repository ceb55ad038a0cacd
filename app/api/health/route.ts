// Liveness: answers without touching any dependency.
import { withObservation } from "@/lib/observability/http";

export const dynamic = "force-dynamic";

export const GET = withObservation("/api/health", () => Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } }));
