// Invitations by email: the link goes to the invited address (and, once, to the admin
// who created it), can be sent again (a new link; the old one stops working) or revoked
// (the invited member is removed). Only the token's hash is stored (invitations table).
import { randomBytes } from "node:crypto";
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { invitationEmail as invitationMessage } from "@/lib/accounts/emails";
import { roleSchema } from "@/lib/auth/permissions";
import type { Principal } from "@/lib/auth/principal";
import { sha256Hex } from "@/lib/crypto/compare";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { sendMail } from "@/lib/mail/send";
import { z } from "zod";
import { invitationTtlMs } from "./invitation-ttl";
import { assertMayManage } from "./policy";

export interface InvitationDelivery {
  email: string;
  /** The link, for the admin to pass on when the email did not go out (shown once). */
  url: string;
  expiresAt: Date;
  sent: boolean;
}

export const invitationPath = (token: string) => `/invite/${token}`;

/** Emails an invitation link (created by createMember or resendInvitation). */
export async function deliverInvitation(
  tenant: { slug: string; name: string },
  invite: { email: string; token: string; expiresAt: Date; invitedBy: string | null },
  origin: string,
): Promise<InvitationDelivery> {
  const url = `${origin}${invitationPath(invite.token)}`;
  const result = await sendMail(invitationMessage(invite.email, tenant.name, url, invite.invitedBy, invite.expiresAt));
  return { email: invite.email, url, expiresAt: invite.expiresAt, sent: result.sent };
}

const uuid = z.uuid();

async function invitedMember(slug: string, actor: Principal, id: string) {
  if (!uuid.safeParse(id).success) throw new AppError("not_found", "No such member.");
  const user = await tenantDb(slug).user.findUnique({ where: { id }, select: { id: true, email: true, role: true, status: true } });
  if (!user) throw new AppError("not_found", "No such member.");
  if (user.status !== "invited") throw new AppError("conflict", `${user.email} has already accepted the invitation.`, [], { reason: "already_active" });
  assertMayManage(actor, { role: roleSchema.parse(user.role) });
  return user;
}

/** A new link for an invited member (the previous one stops working), sent by email. */
export async function resendInvitation(
  tenant: { slug: string; name: string },
  actor: Principal,
  id: string,
  origin: string,
  ctx: AuditContext,
): Promise<InvitationDelivery> {
  const user = await invitedMember(tenant.slug, actor, id);
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + invitationTtlMs);
  await withAudit(tenant.slug, ctx, async (tx, audit) => {
    await tx.invitation.deleteMany({ where: { userId: user.id, acceptedAt: null } });
    await tx.invitation.create({
      data: { userId: user.id, tokenHash: sha256Hex(token), invitedById: actor.kind === "user" ? actor.id : null, expiresAt },
    });
    await audit.record({ action: auditActions.invitationSent, targetType: "user", targetId: user.id, summary: `invitation sent again to ${user.email}` });
  });
  return deliverInvitation(tenant, { email: user.email, token, expiresAt, invitedBy: actor.kind === "user" ? actor.email : null }, origin);
}

/** Withdraws an invitation: the invited member (never an active one) is removed with its links. */
export async function revokeInvitation(slug: string, actor: Principal, id: string, ctx: AuditContext): Promise<void> {
  const user = await invitedMember(slug, actor, id);
  await withAudit(slug, ctx, async (tx, audit) => {
    // Only while still invited: an invitation accepted meanwhile is not revoked.
    const removed = await tx.user.deleteMany({ where: { id: user.id, status: "invited" } });
    if (removed.count !== 1) throw new AppError("conflict", `${user.email} has already accepted the invitation.`, [], { reason: "already_active" });
    await audit.record({ action: auditActions.invitationRevoked, targetType: "user", targetId: user.id, summary: `invitation of ${user.email} revoked` });
  });
}
