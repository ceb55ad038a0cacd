// API keys of a tenant (lib/auth/api-keys.ts).
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { createApiKeyInput } from "@/lib/auth/api-keys";
import { permissionSchema } from "@/lib/auth/permissions";
import { authenticated, idParam, isoDate, json, jsonBody, noContent, problems } from "../common";

const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().meta({ example: "tpk_0123456789ab" }),
    scopes: z.array(permissionSchema),
    createdAt: isoDate,
    expiresAt: isoDate.nullable(),
    lastUsedAt: isoDate.nullable(),
    revokedAt: isoDate.nullable(),
    createdBy: z.object({ id: z.uuid(), email: z.email() }).nullable(),
  })
  .meta({ id: "ApiKey" });

export const apiKeyPaths: ZodOpenApiPathsObject = {
  "/api/v1/api-keys": {
    get: authenticated("api_keys:read", {
      tags: ["API keys"],
      summary: "List API keys",
      responses: { "200": json(z.object({ data: z.array(apiKeySchema) })) },
    }),
    post: authenticated("api_keys:write", {
      tags: ["API keys"],
      summary: "Create an API key (the key is in this response only)",
      description: "Scopes no wider than the caller's own permissions; an expiry within 5 years.",
      requestBody: jsonBody(createApiKeyInput),
      responses: { "201": json(apiKeySchema.extend({ key: z.string() }).meta({ id: "CreatedApiKey" }), "Created"), ...problems(400) },
    }),
  },
  "/api/v1/api-keys/{id}": {
    delete: authenticated("api_keys:write", {
      tags: ["API keys"],
      summary: "Revoke an API key",
      requestParams: { path: idParam },
      responses: { "204": noContent, ...problems(404) },
    }),
  },
};
