// Integrations: webhooks in, REST APIs out, their inbox, syncs and notices (lib/integrations).
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { listEventsQuery } from "@/lib/integrations/inbox/list-events";
import { replayInput } from "@/lib/integrations/inbox/replay";
import { createIntegrationInput, rotateSecretInput, updateIntegrationInput } from "@/lib/integrations/settings";
import { authenticated, idAndEventParams, idParam, isoDate, json, jsonBody, noContent, problems } from "../common";

const integrationSchema = z
  .looseObject({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(["webhook", "rest"]),
    status: z.enum(["active", "paused"]),
    scheme: z.string().nullable(),
    settings: z.record(z.string(), z.unknown()),
    hasSecret: z.boolean(),
    webhookPath: z.string().nullable(),
    organizationId: z.uuid().nullable().meta({ description: "The organization it belongs to, or null (tenant-wide)." }),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: "Integration" });

const withSecret = integrationSchema.extend({ secret: z.string().optional().meta({ description: "A webhook signing secret: in this response only." }) });
const inboxEvent = z
  .looseObject({ id: z.uuid(), providerEventId: z.string(), eventType: z.string().nullable(), status: z.string(), attempts: z.number().int() })
  .meta({ id: "InboxEvent" });
// Every route on one integration applies the rule of the integration itself.
const orgScoped = "An API key scoped to an organization reaches only that organization's integrations: another organization's, or a tenant-wide one, is a 404.";
const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const integrationPaths: ZodOpenApiPathsObject = {
  "/api/v1/integrations": {
    get: authenticated("integrations:read", {
      tags: ["Integrations"],
      summary: "List integrations",
      responses: { "200": json(z.object({ data: z.array(integrationSchema) })) },
    }),
    post: authenticated("integrations:write", {
      tags: ["Integrations"],
      summary: "Create a webhook or REST integration",
      requestBody: jsonBody(createIntegrationInput),
      responses: { "201": json(withSecret, "Created"), ...problems(400) },
    }),
  },
  "/api/v1/integrations/{id}": {
    get: authenticated("integrations:read", {
      tags: ["Integrations"],
      summary: "One integration",
      description: orgScoped,
      requestParams: { path: idParam },
      responses: { "200": json(integrationSchema), ...problems(404) },
    }),
    patch: authenticated("integrations:write", {
      tags: ["Integrations"],
      summary: "Change name, status, settings or token",
      description: orgScoped,
      requestParams: { path: idParam },
      requestBody: jsonBody(updateIntegrationInput),
      responses: { "200": json(integrationSchema), ...problems(400, 404) },
    }),
    delete: authenticated("integrations:write", {
      tags: ["Integrations"],
      summary: "Delete an integration",
      description: orgScoped,
      requestParams: { path: idParam },
      responses: { "204": noContent, ...problems(404) },
    }),
  },
  "/api/v1/integrations/{id}/rotate-secret": {
    post: authenticated("integrations:write", {
      tags: ["Integrations"],
      summary: "Rotate a webhook's signing secret (the old one verifies for graceSeconds)",
      description: orgScoped,
      requestParams: { path: idParam },
      requestBody: { required: false, content: { "application/json": { schema: rotateSecretInput } } },
      responses: { "200": json(withSecret), ...problems(400, 404, 409) },
    }),
  },
  "/api/v1/integrations/{id}/events": {
    get: authenticated("integrations:read", {
      tags: ["Integrations"],
      summary: "The webhook inbox, newest first",
      description: orgScoped,
      requestParams: { path: idParam, query: listEventsQuery },
      responses: { "200": json(z.object({ data: z.array(inboxEvent), next_cursor: z.string().nullable() })), ...problems(400, 404) },
    }),
  },
  "/api/v1/integrations/{id}/events/{eventId}": {
    get: authenticated("integrations:read", {
      tags: ["Integrations"],
      summary: "One inbox event with its payload",
      description: orgScoped,
      requestParams: { path: idAndEventParams },
      responses: { "200": json(inboxEvent), ...problems(404) },
    }),
  },
  "/api/v1/integrations/{id}/events/replay": {
    post: authenticated("integrations:write", {
      tags: ["Integrations"],
      summary: "Replay inbox events (by id, or every event in the given statuses)",
      description: orgScoped,
      requestParams: { path: idParam },
      requestBody: jsonBody(replayInput),
      responses: {
        "202": json(z.object({ replayed: z.number().int(), dispatched: z.number().int(), ids: z.array(z.uuid()), skipped: z.array(z.string()) })),
        ...problems(400, 404),
      },
    }),
  },
  "/api/v1/integrations/{id}/health": {
    get: authenticated("integrations:read", {
      tags: ["Integrations"],
      summary: "Success rate, latency, circuit and inbox counts",
      description: orgScoped,
      requestParams: { path: idParam },
      responses: { "200": json(z.looseObject({ integrationId: z.uuid(), status: z.string() }).meta({ id: "IntegrationHealth" })), ...problems(404) },
    }),
  },
  "/api/v1/integrations/{id}/records": {
    get: authenticated("integrations:read", {
      tags: ["Integrations"],
      summary: "Records synced from a REST integration",
      description: orgScoped,
      requestParams: { path: idParam, query: limitQuery },
      responses: { "200": json(z.object({ data: z.array(z.looseObject({})) })), ...problems(400, 404) },
    }),
  },
  "/api/v1/integrations/{id}/sync": {
    get: authenticated("integrations:read", {
      tags: ["Integrations"],
      summary: "Recent sync runs",
      description: orgScoped,
      requestParams: { path: idParam },
      responses: { "200": json(z.object({ data: z.array(z.looseObject({ id: z.uuid(), status: z.string() })) })), ...problems(404) },
    }),
    post: authenticated("integrations:write", {
      tags: ["Integrations"],
      summary: "Start a sync now (runs in the workflow engine)",
      description: orgScoped,
      requestParams: { path: idParam },
      responses: { "202": json(z.object({ eventId: z.string() })), ...problems(404, 409, 503) },
    }),
  },
  "/api/v1/notices": {
    get: authenticated("integrations:read", {
      tags: ["Integrations"],
      summary: "Notices about integrations (circuit opened, dead letters, ...)",
      requestParams: { query: z.object({ unread: z.enum(["1"]).optional().meta({ description: "1: unread only." }) }) },
      responses: {
        "200": json(
          z.object({
            data: z.array(
              z.object({
                id: z.uuid(),
                kind: z.string(),
                title: z.string(),
                body: z.string(),
                integrationId: z.uuid().nullable(),
                createdAt: isoDate,
                readAt: isoDate.nullable(),
              }),
            ),
          }),
        ),
      },
    }),
  },
  "/api/v1/notices/{id}": {
    delete: authenticated("integrations:write", {
      tags: ["Integrations"],
      summary: "Dismiss a notice",
      requestParams: { path: idParam },
      responses: { "204": noContent, ...problems(404) },
    }),
  },
};
