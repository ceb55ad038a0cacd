// Members (users) of a tenant and their invitations (lib/members).
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { roleSchema } from "@/lib/auth/permissions";
import { createMemberInput, listMembersQuery, updateMemberInput } from "@/lib/members/members";
import { authenticated, idParam, isoDate, json, jsonBody, noContent, problems } from "../common";

export const memberSchema = z
  .object({
    id: z.uuid(),
    email: z.email(),
    name: z.string().nullable(),
    role: roleSchema,
    status: z.enum(["active", "invited"]),
    mfaEnabled: z.boolean(),
    lockedUntil: isoDate.nullable(),
    createdAt: isoDate,
  })
  .meta({ id: "Member" });

const createdMember = memberSchema
  .extend({
    invitation_url: z.string().optional().meta({ description: "Invited members only: the link, shown once (it is also emailed)." }),
    invitation_sent: z.boolean().optional().meta({ description: "Whether the invitation email was handed to the mail server." }),
    invitation_expires_at: isoDate.optional(),
  })
  .meta({ id: "CreatedMember" });

const invitationSent = z
  .object({
    sent: z.boolean(),
    expires_at: isoDate,
    invitation_url: z.string().meta({ description: "The new link, shown once; the previous one no longer works." }),
  })
  .meta({ id: "InvitationSent" });

export const memberPaths: ZodOpenApiPathsObject = {
  "/api/v1/users": {
    get: authenticated("members:read", {
      tags: ["Members"],
      summary: "List members, by email",
      requestParams: { query: listMembersQuery },
      responses: { "200": json(z.object({ data: z.array(memberSchema), next_cursor: z.string().nullable() })), ...problems(400) },
    }),
    post: authenticated("members:write", {
      tags: ["Members"],
      summary: "Add a member (with a password) or invite one (without: the link is emailed)",
      description: "Only owners give the owner role.",
      requestBody: jsonBody(createMemberInput),
      responses: { "201": json(createdMember, "Created"), ...problems(400, 409) },
    }),
  },
  "/api/v1/users/{id}": {
    get: authenticated("members:read", {
      tags: ["Members"],
      summary: "One member",
      requestParams: { path: idParam },
      responses: { "200": json(memberSchema), ...problems(404) },
    }),
    patch: authenticated(null, {
      tags: ["Members"],
      summary: "Change a member's name or role",
      description: "Without members:write only your own name. Only owners change owners; the last owner stays.",
      requestParams: { path: idParam },
      requestBody: jsonBody(updateMemberInput),
      responses: { "200": json(memberSchema), ...problems(400, 404, 409) },
    }),
    delete: authenticated("members:write", {
      tags: ["Members"],
      summary: "Remove a member (sessions, keys and links go with them)",
      requestParams: { path: idParam },
      responses: { "204": noContent, ...problems(404, 409) },
    }),
  },
  "/api/v1/users/{id}/unlock": {
    post: authenticated("members:unlock", {
      tags: ["Members"],
      summary: "Unlock a member locked out by failed sign-ins",
      requestParams: { path: idParam },
      responses: { "204": noContent, ...problems(404) },
    }),
  },
  "/api/v1/users/{id}/invitation": {
    post: authenticated("members:write", {
      tags: ["Members"],
      summary: "Send an invited member a new invitation link",
      description: "The previous link stops working. 409 once the invitation was accepted.",
      requestParams: { path: idParam },
      responses: { "200": json(invitationSent), ...problems(404, 409) },
    }),
    delete: authenticated("members:write", {
      tags: ["Members"],
      summary: "Revoke an invitation (the invited member is removed)",
      requestParams: { path: idParam },
      responses: { "204": noContent, ...problems(404, 409) },
    }),
  },
};
