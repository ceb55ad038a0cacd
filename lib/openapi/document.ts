// The OpenAPI 3.1 description of /api/v1, generated from the zod schemas the routes
// parse (one module per domain under ./paths). A new route under app/api/v1 must be
// described here: test/openapi.test.ts fails otherwise. Built once per process.
import { createDocument, type ZodOpenApiPathsObject } from "zod-openapi";
import { accountPaths } from "./paths/accounts";
import { apiKeyPaths } from "./paths/api-keys";
import { auditPaths } from "./paths/audit";
import { authPaths } from "./paths/auth";
import { integrationPaths } from "./paths/integrations";
import { memberPaths } from "./paths/members";
import { settingsPaths } from "./paths/settings";
import { tenantPaths } from "./paths/tenant";

export const domainPaths: ZodOpenApiPathsObject[] = [
  authPaths,
  accountPaths,
  memberPaths,
  apiKeyPaths,
  auditPaths,
  integrationPaths,
  settingsPaths,
  tenantPaths,
];

type Document = ReturnType<typeof createDocument>;
let cached: Document | undefined;

export function openApiDocument(): Document {
  cached ??= createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Tenant Platform API",
        version: "1",
        description:
          "Every tenant has its own API on its host (`https://<tenant>.<root domain>/api/v1/...`), or on the root domain with an `X-Tenant-ID` header. Errors are RFC 9457 problem details (`application/problem+json`); invalid input is a 400 whose `errors` name each field.",
      },
      tags: [
        { name: "Authentication" },
        { name: "Account lifecycle" },
        { name: "Members" },
        { name: "API keys" },
        { name: "Audit" },
        { name: "Integrations" },
        { name: "Settings" },
        { name: "Organizations" },
        { name: "Tenant" },
      ],
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "An access token from /api/v1/auth/token, or an API key (tpk_...)." },
        },
      },
      security: [{ bearer: [] }],
      paths: Object.assign({}, ...domainPaths) as ZodOpenApiPathsObject,
    },
    {
      // Dates arrive as ISO strings in JSON (our schemas also take Date objects from our own code).
      override: ({ jsonSchema, zodSchema }) => {
        if (zodSchema._zod.def.type === "date") {
          jsonSchema.type = "string";
          jsonSchema.format = "date-time";
        }
      },
    },
  );
  return cached;
}
