// The members of a tenant (its users): list, read, create (active with a password, or
// invited), change name or role, remove, unlock. Every write runs through withAudit.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { newPasswordSchema } from "@/lib/auth/password-policy";
import { hashPassword } from "@/lib/auth/passwords";
import { roleSchema, type Role } from "@/lib/auth/permissions";
import type { Principal } from "@/lib/auth/principal";
import { sha256Hex } from "@/lib/crypto/compare";
import type { Prisma } from "@/lib/db/generated/tenant/client";
import { quoteIdent } from "@/lib/db/identifier";
import { tenantPool } from "@/lib/db/tenant-pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { parseOnce, parseOrThrow } from "@/lib/errors/from-zod";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { emailSchema } from "@/lib/tenancy/tenant-input";
import { assertMayEditProfile, assertMayManage, lastOwnerMessage } from "./policy";

import { invitationTtlMs } from "./invitation-ttl";

export const createMemberInput = z
  .object({
    email: emailSchema,
    name: text().trim().min(1).max(textLimits.name).optional(),
    role: roleSchema.default("member"),
    password: text().max(textLimits.password).optional(),
  })
  .strict();

export const updateMemberInput = z
  .object({ name: text().trim().min(1).max(textLimits.name).nullable().optional(), role: roleSchema.optional() })
  .strict()
  .refine((v) => v.name !== undefined || v.role !== undefined, "Give a name or a role to change.");

export const listMembersQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: text().max(400).optional(),
  })
  .strict();

export interface MemberView {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  status: string;
  mfaEnabled: boolean;
  lockedUntil: string | null;
  createdAt: string;
}

const memberSelect = {
  id: true,
  email: true,
  name: true,
  role: true,
  status: true,
  mfaEnabledAt: true,
  lockedUntil: true,
  createdAt: true,
} as const;

type MemberRow = Prisma.UserGetPayload<{ select: typeof memberSelect }>;

export function toMemberView(u: MemberRow): MemberView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: roleSchema.parse(u.role),
    status: u.status,
    mfaEnabled: u.mfaEnabledAt !== null,
    lockedUntil: u.lockedUntil && u.lockedUntil > new Date() ? u.lockedUntil.toISOString() : null,
    createdAt: u.createdAt.toISOString(),
  };
}

const uuid = z.uuid();
function assertId(id: string): void {
  if (!uuid.safeParse(id).success) throw new AppError("not_found", "No such member.");
}

/** Members ordered by email; the cursor is the last email of the previous page. */
export async function listMembers(slug: string, raw: unknown): Promise<{ data: MemberView[]; nextCursor: string | null }> {
  const q = parseOrThrow(listMembersQuery, raw, "query");
  let after: string | undefined;
  if (q.cursor) {
    after = Buffer.from(q.cursor, "base64url").toString("utf8");
    if (!after) throw new AppError("bad_request", "Invalid query: cursor is not one this API returned.", [{ path: "cursor", message: "unknown cursor" }]);
  }
  // A hot path (every API client lists members): plain pg, one round trip, no ORM
  // mapping. The same columns and order as memberSelect / orderBy email.
  const users = `${quoteIdent(schemaNameFor(slug))}.users`;
  const columns = `id, email, name, role, status, mfa_enabled_at AS "mfaEnabledAt", locked_until AS "lockedUntil", created_at AS "createdAt"`;
  const { rows } = await (
    await tenantPool(slug)
  ).query<MemberRow>(
    after === undefined
      ? `SELECT ${columns} FROM ${users} ORDER BY email LIMIT $1`
      : `SELECT ${columns} FROM ${users} WHERE email > $2 ORDER BY email LIMIT $1`,
    after === undefined ? [q.limit + 1] : [q.limit + 1, after],
  );
  const page = rows.slice(0, q.limit);
  return {
    data: page.map(toMemberView),
    nextCursor: rows.length > q.limit ? Buffer.from(page.at(-1)!.email, "utf8").toString("base64url") : null,
  };
}

export async function getMember(slug: string, id: string): Promise<MemberView> {
  assertId(id);
  const row = await tenantDb(slug).user.findUnique({ where: { id }, select: memberSelect });
  if (!row) throw new AppError("not_found", "No such member.");
  return toMemberView(row);
}

export interface CreatedMember {
  member: MemberView;
  /** Present when no password was given: the invitation link's token, shown once. */
  invitationToken?: string;
  invitationExpiresAt?: Date;
}

export async function createMember(slug: string, actor: Principal, raw: unknown, ctx: AuditContext): Promise<CreatedMember> {
  const input = parseOnce(createMemberInput, raw, "member");
  assertMayManage(actor, null, input.role);
  if (input.password !== undefined) parseOrThrow(z.object({ password: newPasswordSchema(input.email) }), { password: input.password }, "member");
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
  const invitationToken = passwordHash ? undefined : randomBytes(32).toString("base64url");
  const invitationExpiresAt = invitationToken ? new Date(Date.now() + invitationTtlMs) : undefined;
  try {
    const member = await withAudit(slug, ctx, async (tx) => {
      const user = await tx.user.create({
        data: {
          email: input.email,
          name: input.name ?? null,
          role: input.role,
          status: passwordHash ? "active" : "invited",
          passwordHash,
          passwordChangedAt: passwordHash ? new Date() : null,
        },
        select: memberSelect,
      });
      if (invitationToken) {
        await tx.invitation.create({
          data: {
            userId: user.id,
            tokenHash: sha256Hex(invitationToken),
            invitedById: actor.kind === "user" ? actor.id : null,
            expiresAt: invitationExpiresAt!,
          },
        });
      }
      return toMemberView(user);
    });
    return { member, invitationToken, invitationExpiresAt };
  } catch (err) {
    if ((err as { code?: string }).code === "P2002") throw new AppError("conflict", `${input.email} is already a member of this organisation.`);
    throw err;
  }
}

/** Locks the active owners' rows and counts them, so two concurrent demotions cannot both pass (an invited owner is no owner yet). */
async function ownerCount(tx: Prisma.TransactionClient, slug: string): Promise<number> {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id FROM ${quoteIdent(schemaNameFor(slug))}.users WHERE role = 'owner' AND status = 'active' FOR UPDATE`,
  );
  return rows.length;
}

export async function updateMember(slug: string, actor: Principal, id: string, raw: unknown, ctx: AuditContext): Promise<MemberView> {
  assertId(id);
  const input = parseOnce(updateMemberInput, raw, "member");
  assertMayEditProfile(actor, id, input);
  return withAudit(slug, ctx, async (tx) => {
    const target = await tx.user.findUnique({ where: { id }, select: memberSelect });
    if (!target) throw new AppError("not_found", "No such member.");
    const isSelf = actor.kind === "user" && actor.id === id;
    if (input.role !== undefined && input.role !== target.role) {
      assertMayManage(actor, { role: roleSchema.parse(target.role) }, input.role);
      if (target.role === "owner" && target.status === "active" && (await ownerCount(tx, slug)) <= 1) {
        throw new AppError("conflict", lastOwnerMessage, [], { reason: "last_owner" });
      }
    } else if (!isSelf) {
      assertMayManage(actor, { role: roleSchema.parse(target.role) });
    }
    const row = await tx.user.update({
      where: { id },
      data: { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.role !== undefined ? { role: input.role } : {}) },
      select: memberSelect,
    });
    return toMemberView(row);
  });
}

export async function removeMember(slug: string, actor: Principal, id: string, ctx: AuditContext): Promise<void> {
  assertId(id);
  await withAudit(slug, ctx, async (tx) => {
    const target = await tx.user.findUnique({ where: { id }, select: { role: true, status: true } });
    if (!target) throw new AppError("not_found", "No such member.");
    assertMayManage(actor, { role: roleSchema.parse(target.role) });
    if (target.role === "owner" && target.status === "active" && (await ownerCount(tx, slug)) <= 1) {
      throw new AppError("conflict", lastOwnerMessage, [], { reason: "last_owner" });
    }
    // Sessions, refresh tokens, recovery codes and invitations go with the user (cascade, each audited).
    await tx.user.delete({ where: { id } });
  });
}

export async function unlockMember(slug: string, id: string, ctx: AuditContext): Promise<void> {
  assertId(id);
  await withAudit(slug, ctx, async (tx, audit) => {
    const target = await tx.user.findUnique({ where: { id }, select: { email: true } });
    if (!target) throw new AppError("not_found", "No such member.");
    await tx.user.update({ where: { id }, data: { failedSignIns: 0, firstFailedAt: null, lockedUntil: null, lockouts: 0 } });
    await audit.record({ action: auditActions.unlocked, targetType: "user", targetId: id, summary: `${target.email} unlocked` });
  });
}

/** Accepts an invitation: sets the password and activates the account. */
export async function acceptInvitation(
  slug: string,
  token: string,
  raw: { name?: string; password: string },
  ctx: AuditContext,
): Promise<{ email: string; userId: string }> {
  const invitation = await tenantDb(slug).invitation.findUnique({
    where: { tokenHash: sha256Hex(token) },
    select: { id: true, acceptedAt: true, expiresAt: true, user: { select: { id: true, email: true, status: true } } },
  });
  if (!invitation || invitation.acceptedAt || invitation.expiresAt <= new Date() || invitation.user.status !== "invited") {
    throw new AppError("not_found", "This invitation link is invalid, expired or already used. Ask an admin for a new one.");
  }
  const input = parseOrThrow(
    z.object({ name: text().trim().min(1).max(textLimits.name).optional(), password: newPasswordSchema(invitation.user.email) }),
    raw,
    "invitation",
  );
  const passwordHash = await hashPassword(input.password);
  const actor = { ...ctx, actorType: "user" as const, actorId: invitation.user.id, actorLabel: invitation.user.email };
  await withAudit(slug, actor, async (tx) => {
    const claimed = await tx.invitation.updateMany({ where: { id: invitation.id, acceptedAt: null }, data: { acceptedAt: new Date() } });
    if (claimed.count !== 1) throw new AppError("conflict", "This invitation was just used.");
    await tx.user.update({
      where: { id: invitation.user.id },
      data: { status: "active", passwordHash, passwordChangedAt: new Date(), ...(input.name ? { name: input.name } : {}) },
    });
  });
  return { email: invitation.user.email, userId: invitation.user.id };
}

export async function invitationEmail(slug: string, token: string): Promise<string | null> {
  const invitation = await tenantDb(slug).invitation.findUnique({
    where: { tokenHash: sha256Hex(token) },
    select: { acceptedAt: true, expiresAt: true, user: { select: { email: true } } },
  });
  return invitation && !invitation.acceptedAt && invitation.expiresAt > new Date() ? invitation.user.email : null;
}
