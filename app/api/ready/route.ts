import { withObservation } from "@/lib/observability/http";
import { checkReadiness } from "@/lib/observability/readiness";

export const dynamic = "force-dynamic";

export const GET = withObservation("/api/ready", async () => {
  const readiness = await checkReadiness();
  return Response.json(readiness, {
    status: readiness.status === "down" ? 503 : 200,
    headers: { "cache-control": "no-store" },
  });
});
