// The tenant itself, and this description.
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { json, open } from "../common";

export const tenantPaths: ZodOpenApiPathsObject = {
  "/api/v1/tenant": {
    get: open({
      tags: ["Tenant"],
      summary: "The tenant this host (or X-Tenant-ID) resolves to",
      responses: { "200": json(z.object({ slug: z.string(), name: z.string() }).meta({ id: "TenantInfo" })) },
    }),
  },
  "/api/v1/openapi.json": {
    get: {
      tags: ["Tenant"],
      summary: "This OpenAPI 3.1 document",
      description: "On any host, no tenant needed.",
      security: [],
      responses: { "200": { description: "The document", content: { "application/json": { schema: z.looseObject({ openapi: z.string() }) } } } },
    },
  },
};
