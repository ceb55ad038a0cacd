// Building blocks of the OpenAPI description (lib/openapi/document.ts): the problem
// shape every error has, responses by status, the path parameters, JSON bodies.
import { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiResponsesObject } from "zod-openapi";

export const fieldErrorSchema = z.object({ path: z.string(), message: z.string() }).meta({ id: "FieldError" });

export const problemSchema = z
  .object({
    type: z.string().meta({ example: "about:blank" }),
    title: z.string().meta({ example: "Bad Request" }),
    status: z.number().int().meta({ example: 400 }),
    detail: z.string().meta({ example: "Invalid member: email: must be an email address" }),
    errors: z.array(fieldErrorSchema).optional().meta({ description: "One entry per invalid field (400)." }),
    reason: z.string().optional().meta({ description: "A machine-readable reason where the status alone is not enough.", example: "mfa_required" }),
    requestId: z.string().optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details (application/problem+json)." });

const problemText: Record<number, string> = {
  400: "Invalid input: `errors` names each field (unknown fields, control characters such as NUL and over-long values included).",
  401: "No valid credentials.",
  403: "The caller lacks the permission, or an object rule refuses it (audited).",
  404: "No such object in this tenant (another tenant's ids are unknown here).",
  409: "Conflicts with the current state.",
  413: "The body is larger than 64 KiB.",
  422: "Well-formed, but it cannot be done now (e.g. the DNS record is not published yet).",
  429: "Rate limited: see Retry-After.",
  503: "A dependency did not answer: try again (Retry-After).",
};

export function problems(...statuses: (keyof typeof problemText)[]): ZodOpenApiResponsesObject {
  return Object.fromEntries(
    statuses.map((s) => [String(s), { description: problemText[s]!, content: { "application/problem+json": { schema: problemSchema } } }]),
  ) as ZodOpenApiResponsesObject;
}

export function json<S extends z.ZodType>(schema: S, description = "OK") {
  return { description, content: { "application/json": { schema } } };
}

export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { "application/json": { schema } } };
}

export const noContent = { description: "Done; no body." };

/** The path parameter `{id}` of a tenant object (a UUID; anything else is a 404). */
export const idParam = z.object({ id: z.string().meta({ description: "The object's id (a UUID).", example: "6f1c1f1e-3c1b-4c1e-9a55-0c7b6c3f2a10" }) });
export const idAndEventParams = idParam.extend({ eventId: z.string().meta({ description: "The inbox event's id (a UUID)." }) });

/** Operations of a principal: Bearer access token or API key, with the permission named. */
export function authenticated(permission: string | null, op: ZodOpenApiOperationObject): ZodOpenApiOperationObject {
  return {
    ...op,
    security: [{ bearer: [] }],
    description: `${op.description ?? ""}${op.description ? "\n\n" : ""}${permission ? `Needs the \`${permission}\` permission.` : "Any signed-in principal."}`,
    responses: { ...op.responses, ...problems(401, 403, 429) },
  };
}

/** Operations anyone may call on a tenant's host. */
export function open(op: ZodOpenApiOperationObject): ZodOpenApiOperationObject {
  return { ...op, security: [], responses: { ...op.responses, ...problems(429) } };
}

export const isoDate = z.string().meta({ format: "date-time", example: "2026-12-06T12:00:00.000Z" });
