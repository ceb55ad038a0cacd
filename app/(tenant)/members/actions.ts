"use server";
// Members page mutations: thin glue over lib/members (which holds the object rules:
// owner-only changes, the last owner) with the permission checked by tenantAction.
import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { tenantAction } from "@/lib/http/tenant-action";
import { tenantOrigin } from "@/lib/http/tenant-url";
import { deliverInvitation, resendInvitation, revokeInvitation } from "@/lib/members/invitations";
import { createMember, removeMember, unlockMember, updateMember } from "@/lib/members/members";

const optionalText = text()
  .max(300)
  .optional()
  .transform((v) => v?.trim() || undefined);

export type InviteResult = { email: string; link: string; sent: boolean };

export const inviteMemberAction = tenantAction(
  { permission: "members:write", input: z.object({ email: text().max(300), name: optionalText, role: text().max(40) }), what: "member invitation" },
  async (ctx, v): Promise<InviteResult> => {
    // No password: the member is created as invited, with a one-time link.
    const { member, invitationToken, invitationExpiresAt } = await createMember(
      ctx.tenant.slug,
      ctx.principal,
      { email: v.email, name: v.name, role: v.role },
      ctx.actor,
    );
    // No password was given, so there is always an invitation.
    if (!invitationToken || !invitationExpiresAt) throw new Error("createMember made no invitation");
    const delivery = await deliverInvitation(
      ctx.tenant,
      { email: member.email, token: invitationToken, expiresAt: invitationExpiresAt, invitedBy: ctx.principal.email },
      tenantOrigin(await headers(), ctx.tenant.slug),
    );
    revalidatePath("/members");
    return { email: member.email, link: delivery.url, sent: delivery.sent };
  },
);

const idInput = { id: text().max(100) };

export const changeRoleAction = tenantAction(
  { permission: "members:write", input: z.object({ ...idInput, role: text().max(40) }), what: "role change" },
  async (ctx, v) => {
    const member = await updateMember(ctx.tenant.slug, ctx.principal, v.id, { role: v.role }, ctx.actor);
    revalidatePath("/members");
    return { email: member.email, role: member.role };
  },
);

export const removeMemberAction = tenantAction({ permission: "members:write", input: z.object(idInput), what: "member removal" }, async (ctx, v) => {
  await removeMember(ctx.tenant.slug, ctx.principal, v.id, ctx.actor);
  revalidatePath("/members");
  return { removed: true };
});

export const unlockMemberAction = tenantAction({ permission: "members:unlock", input: z.object(idInput), what: "member unlock" }, async (ctx, v) => {
  await unlockMember(ctx.tenant.slug, v.id, ctx.actor);
  revalidatePath("/members");
  return { unlocked: true };
});

export const resendInvitationAction = tenantAction(
  { permission: "members:write", input: z.object(idInput), what: "invitation resend" },
  async (ctx, v): Promise<InviteResult> => {
    const delivery = await resendInvitation(ctx.tenant, ctx.principal, v.id, tenantOrigin(await headers(), ctx.tenant.slug), ctx.actor);
    revalidatePath("/members");
    return { email: delivery.email, link: delivery.url, sent: delivery.sent };
  },
);

export const revokeInvitationAction = tenantAction({ permission: "members:write", input: z.object(idInput), what: "invitation revocation" }, async (ctx, v) => {
  await revokeInvitation(ctx.tenant.slug, ctx.principal, v.id, ctx.actor);
  revalidatePath("/members");
  return { revoked: true };
});
