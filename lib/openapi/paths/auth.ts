// Sign-in tokens and the caller's own identity.
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { tokenRequestInput } from "@/lib/auth/sign-in-flow";
import { refreshTokenInput } from "@/lib/auth/refresh-tokens";
import { roleSchema, permissionSchema } from "@/lib/auth/permissions";
import { authenticated, json, jsonBody, open, problems } from "../common";

const tokenPair = z
  .object({
    access_token: z.string().meta({ description: "A short-lived JWT for `Authorization: Bearer`." }),
    refresh_token: z.string().meta({ description: "Rotates on every use; a reused one revokes its session." }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().meta({ description: "Seconds until the access token expires." }),
  })
  .meta({ id: "TokenPair" });

const me = z
  .object({
    tenant: z.object({ slug: z.string(), name: z.string() }),
    principal: z.union([
      z.object({ type: z.literal("user"), id: z.uuid(), email: z.email(), name: z.string().nullable(), role: roleSchema, mfa_enabled: z.boolean() }),
      z.object({ type: z.literal("api_key"), id: z.uuid(), name: z.string(), prefix: z.string() }),
    ]),
    role: roleSchema.nullable(),
    permissions: z.array(permissionSchema),
  })
  .meta({ id: "Me" });

export const authPaths: ZodOpenApiPathsObject = {
  "/api/v1/auth/token": {
    post: open({
      tags: ["Authentication"],
      summary: "Sign in with email and password (and a TOTP code when enrolled)",
      description: "Opens an API session. Limited per client address and per email; five failures lock the account.",
      requestBody: jsonBody(tokenRequestInput),
      responses: { "200": json(tokenPair), ...problems(400, 401, 403, 503) },
    }),
  },
  "/api/v1/auth/refresh": {
    post: open({
      tags: ["Authentication"],
      summary: "Exchange a refresh token for a new pair",
      requestBody: jsonBody(refreshTokenInput),
      responses: { "200": json(tokenPair), ...problems(400, 401) },
    }),
  },
  "/api/v1/auth/revoke": {
    post: open({
      tags: ["Authentication"],
      summary: "Revoke a refresh token and its session",
      description: "200 whether or not the token was live (RFC 7009).",
      requestBody: jsonBody(refreshTokenInput),
      responses: { "200": json(z.object({ revoked: z.literal(true) })), ...problems(400) },
    }),
  },
  "/api/v1/me": {
    get: authenticated(null, { tags: ["Authentication"], summary: "Who is calling", responses: { "200": json(me) } }),
  },
};
