// Request schemas of the organization endpoints (and the Organizations page's forms).
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";

export const orgRoles = ["org_admin", "member"] as const;
export type OrgRole = (typeof orgRoles)[number];
export const orgRoleSchema = z.enum(orgRoles);

export const organizationNameSchema = text().trim().min(1, "must not be empty").max(textLimits.name, `must be at most ${textLimits.name} characters`);

export const createOrganizationInput = z.object({ name: organizationNameSchema }).strict();
export const updateOrganizationInput = z.object({ name: organizationNameSchema }).strict();

export const addOrganizationMemberInput = z
  .object({
    userId: z.uuid("must be a member's id"),
    role: orgRoleSchema.default("member"),
  })
  .strict();

export const updateOrganizationMemberInput = z.object({ role: orgRoleSchema }).strict();
