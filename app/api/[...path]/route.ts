// Any /api path no route handles: a problem+json 404 like every other API error, not
// the HTML not-found page (clients parse the body; "." and ".." segments land here too).
import { problemResponse } from "@/lib/http/problem";
import { withObservation } from "@/lib/observability/http";

// One route template for every unknown path: raw paths never become a label.
const notFound = withObservation("/api/[...path]", async () => problemResponse(404, "No such API endpoint."));

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
