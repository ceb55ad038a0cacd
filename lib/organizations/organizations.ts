// Organizations inside a tenant (named groups of members: departments, customer
// accounts) and their members. Every write runs through withAudit (row triggers record
// before and after). Object rules: ./policy.ts; organization-scoped keys: ./scope.ts.
import { z } from "zod";
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import type { Principal } from "@/lib/auth/principal";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { assertMayManageMembers } from "./policy";
import { addOrganizationMemberInput, createOrganizationInput, updateOrganizationInput, updateOrganizationMemberInput, type OrgRole } from "./schemas";
import { assertVisible, scopedOrganization } from "./scope";

/** A tenant keeps at most this many organizations; an organization this many members. */
export const maxOrganizations = 1_000;
export const maxOrganizationMembers = 10_000;

export interface OrganizationView {
  id: string;
  name: string;
  memberCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface OrganizationMemberView {
  userId: string;
  email: string;
  name: string | null;
  role: OrgRole;
  addedAt: Date;
}

const uuid = z.uuid();
const orgNotFound = () => new AppError("not_found", "No such organization.");
const memberNotFound = () => new AppError("not_found", "That user is not a member of this organization.");

const select = { id: true, name: true, createdAt: true, updatedAt: true, _count: { select: { members: true } } } as const;
type Row = { id: string; name: string; createdAt: Date; updatedAt: Date; _count: { members: number } };
const view = (r: Row): OrganizationView => ({ id: r.id, name: r.name, memberCount: r._count.members, createdAt: r.createdAt, updatedAt: r.updatedAt });

/** A unique-name clash as the 409 it is (the database's unique index decides, also under races). */
function nameTaken(err: unknown, name: string): never {
  if ((err as { code?: string }).code === "P2002")
    throw new AppError("conflict", `An organization named "${name}" already exists.`, [{ path: "name", message: "is already taken" }], {
      reason: "name_taken",
    });
  throw err;
}

/** The organization if the principal may see it; 404 for bad ids, other tenants' ids and other organizations of a scoped key. */
async function visible(slug: string, principal: Principal, id: string): Promise<Row> {
  if (!uuid.safeParse(id).success) throw orgNotFound();
  assertVisible(principal, id, orgNotFound);
  const row = await tenantDb(slug).organization.findUnique({ where: { id }, select });
  if (!row) throw orgNotFound();
  return row;
}

export async function listOrganizations(slug: string, principal: Principal): Promise<OrganizationView[]> {
  const scope = scopedOrganization(principal);
  const rows = await tenantDb(slug).organization.findMany({
    where: scope ? { id: scope } : {},
    orderBy: { name: "asc" },
    take: maxOrganizations,
    select,
  });
  return rows.map(view);
}

export async function getOrganization(slug: string, principal: Principal, id: string): Promise<OrganizationView> {
  return view(await visible(slug, principal, id));
}

export async function createOrganization(slug: string, raw: unknown, actor: AuditContext): Promise<OrganizationView> {
  const { name } = parseOrThrow(createOrganizationInput, raw, "organization");
  const row = await withAudit(slug, actor, async (tx) => {
    if ((await tx.organization.count()) >= maxOrganizations) throw new AppError("conflict", `A tenant can have at most ${maxOrganizations} organizations.`);
    return tx.organization.create({ data: { name }, select });
  }).catch((err: unknown) => nameTaken(err, name));
  return view(row);
}

export async function renameOrganization(slug: string, principal: Principal, id: string, raw: unknown, actor: AuditContext): Promise<OrganizationView> {
  await visible(slug, principal, id);
  const { name } = parseOrThrow(updateOrganizationInput, raw, "organization");
  const row = await withAudit(slug, actor, (tx) => tx.organization.update({ where: { id }, data: { name }, select })).catch((err: unknown) => {
    if ((err as { code?: string }).code === "P2025") throw orgNotFound();
    return nameTaken(err, name);
  });
  return view(row);
}

/**
 * Deletes an organization, its memberships and the API keys scoped to it (a scoped key
 * must never become tenant-wide). Refused (409) while integrations belong to it.
 */
export async function deleteOrganization(slug: string, principal: Principal, id: string, actor: AuditContext): Promise<void> {
  await visible(slug, principal, id);
  await withAudit(slug, actor, async (tx) => {
    const integrations = await tx.integration.count({ where: { organizationId: id } });
    if (integrations > 0)
      throw new AppError("conflict", `This organization still has ${integrations} integration(s): delete them or move them out first.`, [], {
        reason: "organization_in_use",
      });
    const { count } = await tx.organization.deleteMany({ where: { id } });
    if (count === 0) throw orgNotFound();
  });
}

export async function listOrganizationMembers(slug: string, principal: Principal, id: string): Promise<OrganizationMemberView[]> {
  await visible(slug, principal, id);
  const rows = await tenantDb(slug).organizationMember.findMany({
    where: { organizationId: id },
    orderBy: { user: { email: "asc" } },
    take: maxOrganizationMembers,
    select: { role: true, createdAt: true, user: { select: { id: true, email: true, name: true } } },
  });
  return rows.map((r) => ({ userId: r.user.id, email: r.user.email, name: r.user.name, role: r.role as OrgRole, addedAt: r.createdAt }));
}

export async function addOrganizationMember(
  slug: string,
  principal: Principal,
  id: string,
  raw: unknown,
  actor: AuditContext,
): Promise<OrganizationMemberView> {
  await visible(slug, principal, id);
  await assertMayManageMembers(slug, principal, id);
  const input = parseOrThrow(addOrganizationMemberInput, raw, "organization member");
  const row = await withAudit(slug, actor, async (tx) => {
    const user = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true } });
    // Another tenant's user id is simply not a user here.
    if (!user) throw new AppError("not_found", "No member with this id in this tenant.", [{ path: "userId", message: "no member with this id" }]);
    if ((await tx.organizationMember.count({ where: { organizationId: id } })) >= maxOrganizationMembers)
      throw new AppError("conflict", `An organization can have at most ${maxOrganizationMembers} members.`);
    return tx.organizationMember.create({
      data: { organizationId: id, userId: input.userId, role: input.role },
      select: { role: true, createdAt: true, user: { select: { id: true, email: true, name: true } } },
    });
  }).catch((err: unknown) => {
    if ((err as { code?: string }).code === "P2002")
      throw new AppError("conflict", "That user is already a member of this organization.", [{ path: "userId", message: "is already a member" }], {
        reason: "already_member",
      });
    throw err;
  });
  return { userId: row.user.id, email: row.user.email, name: row.user.name, role: row.role as OrgRole, addedAt: row.createdAt };
}

export async function updateOrganizationMember(
  slug: string,
  principal: Principal,
  id: string,
  userId: string,
  raw: unknown,
  actor: AuditContext,
): Promise<OrganizationMemberView> {
  await visible(slug, principal, id);
  await assertMayManageMembers(slug, principal, id);
  const { role } = parseOrThrow(updateOrganizationMemberInput, raw, "organization member");
  if (!uuid.safeParse(userId).success) throw memberNotFound();
  const row = await withAudit(slug, actor, async (tx) => {
    const { count } = await tx.organizationMember.updateMany({ where: { organizationId: id, userId }, data: { role } });
    if (count === 0) throw memberNotFound();
    return tx.organizationMember.findUniqueOrThrow({
      where: { organizationId_userId: { organizationId: id, userId } },
      select: { role: true, createdAt: true, user: { select: { id: true, email: true, name: true } } },
    });
  });
  return { userId: row.user.id, email: row.user.email, name: row.user.name, role: row.role as OrgRole, addedAt: row.createdAt };
}

export async function removeOrganizationMember(slug: string, principal: Principal, id: string, userId: string, actor: AuditContext): Promise<void> {
  await visible(slug, principal, id);
  await assertMayManageMembers(slug, principal, id);
  if (!uuid.safeParse(userId).success) throw memberNotFound();
  const { count } = await withAudit(slug, actor, (tx) => tx.organizationMember.deleteMany({ where: { organizationId: id, userId } }));
  if (count === 0) throw memberNotFound();
}
