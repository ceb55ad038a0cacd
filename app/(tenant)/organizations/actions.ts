"use server";
// Organizations page actions: thin wrappers of lib/organizations through tenantAction
// (guard, rate limit, zod, denials audited). The org_admin rule is checked in the library.
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { tenantAction } from "@/lib/http/tenant-action";
import {
  addOrganizationMember,
  createOrganization,
  deleteOrganization,
  removeOrganizationMember,
  renameOrganization,
  updateOrganizationMember,
} from "@/lib/organizations/organizations";
import { addOrganizationMemberInput, createOrganizationInput, updateOrganizationInput, updateOrganizationMemberInput } from "@/lib/organizations/schemas";
import { text } from "@/lib/zod/text";

const orgId = { organizationId: text().min(1).max(100) };

export const createOrganizationAction = tenantAction(
  { permission: "organizations:write", input: createOrganizationInput, what: "organization" },
  async (ctx, input) => {
    const org = await createOrganization(ctx.tenant.slug, input, ctx.actor);
    revalidatePath("/organizations");
    return { id: org.id, name: org.name };
  },
);

export const renameOrganizationAction = tenantAction(
  { permission: "organizations:write", input: updateOrganizationInput.extend(orgId), what: "organization" },
  async (ctx, { organizationId, ...input }) => {
    const org = await renameOrganization(ctx.tenant.slug, ctx.principal, organizationId, input, ctx.actor);
    revalidatePath(`/organizations/${organizationId}`);
    return { name: org.name };
  },
);

export const deleteOrganizationAction = tenantAction(
  { permission: "organizations:write", input: z.object(orgId), what: "organization removal" },
  async (ctx, { organizationId }) => {
    await deleteOrganization(ctx.tenant.slug, ctx.principal, organizationId, ctx.actor);
    revalidatePath("/organizations");
    return { redirectTo: "/organizations" };
  },
);

export const addOrganizationMemberAction = tenantAction(
  { permission: "organizations:read", input: addOrganizationMemberInput.extend(orgId), what: "organization member" },
  async (ctx, { organizationId, ...input }) => {
    const member = await addOrganizationMember(ctx.tenant.slug, ctx.principal, organizationId, input, ctx.actor);
    revalidatePath(`/organizations/${organizationId}`);
    return { email: member.email };
  },
);

export const updateOrganizationMemberAction = tenantAction(
  { permission: "organizations:read", input: updateOrganizationMemberInput.extend({ ...orgId, userId: text().min(1).max(100) }), what: "organization member" },
  async (ctx, { organizationId, userId, ...input }) => {
    await updateOrganizationMember(ctx.tenant.slug, ctx.principal, organizationId, userId, input, ctx.actor);
    revalidatePath(`/organizations/${organizationId}`);
    return { userId };
  },
);

export const removeOrganizationMemberAction = tenantAction(
  { permission: "organizations:read", input: z.object({ ...orgId, userId: text().min(1).max(100) }), what: "organization member removal" },
  async (ctx, { organizationId, userId }) => {
    await removeOrganizationMember(ctx.tenant.slug, ctx.principal, organizationId, userId, ctx.actor);
    revalidatePath(`/organizations/${organizationId}`);
    return { userId };
  },
);
