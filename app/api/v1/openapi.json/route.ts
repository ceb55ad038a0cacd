// GET /api/v1/openapi.json: the API's OpenAPI 3.1 description, on any host (a platform
// path: lib/tenancy/resolve-request.ts), the same for everyone.
import { openApiDocument } from "@/lib/openapi/document";

export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json(openApiDocument());
}
