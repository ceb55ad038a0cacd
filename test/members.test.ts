// Roles, permissions and the object rules on members, against real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { permissions, permissionsOf, roles, type Permission, type Role } from "@/lib/auth/permissions";
import { principalFromBearer } from "@/lib/auth/resolve-principal";
import { issueTokensForPassword } from "@/lib/auth/sign-in-flow";
import type { Principal } from "@/lib/auth/principal";
import { checkPassword } from "@/lib/auth/authenticate";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { acceptInvitation, createMember, listMembers, removeMember, updateMember } from "@/lib/members/members";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { addUser, meta, tenantWithOwner, testPassword } from "./support/auth";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("mem");
const other = uniqueSlug("mem2");
const settings = defaultTenantSettings();
const ctx = { actorType: "user" as const, actorLabel: "test" };
const principals = {} as Record<Role, Principal>;

async function principalFor(s: string, email: string): Promise<Principal> {
  const { pair } = await issueTokensForPassword(s, settings, { email, password: testPassword }, meta());
  return (await principalFromBearer(s, `Bearer ${pair.access_token}`, meta(), settings))!;
}

beforeAll(async () => {
  await tenantWithOwner(slug);
  await tenantWithOwner(other);
  principals.owner = await principalFor(slug, `owner@${slug}.test`);
  for (const role of ["admin", "member", "viewer"] as const) {
    await addUser(slug, `${role}@${slug}.test`, role);
    principals[role] = await principalFor(slug, `${role}@${slug}.test`);
  }
});

afterAll(async () => {
  await dropTenantsQuietly([slug, other]);
  await closePool();
});

describe("the permission map", () => {
  // Written out, not derived: a change to the map must change this table on purpose.
  const expected: Record<Role, Permission[]> = {
    owner: [...permissions],
    admin: [
      "members:read",
      "members:write",
      "api_keys:read",
      "api_keys:write",
      "integrations:read",
      "integrations:write",
      "audit:read",
      "settings:read",
      "organizations:read",
      "organizations:write",
    ],
    member: ["members:read", "integrations:read", "organizations:read"],
    viewer: ["members:read"],
  };
  for (const role of roles) {
    for (const permission of permissions) {
      const allowed = expected[role].includes(permission);
      it(`${role} ${allowed ? "has" : "lacks"} ${permission}`, () => {
        expect(permissionsOf(role).includes(permission)).toBe(allowed);
        expect(principals[role].permissions.includes(permission)).toBe(allowed);
      });
    }
  }
});

describe("members", () => {
  it("lists with keyset pagination by email, only this tenant's", async () => {
    const first = await listMembers(slug, { limit: "2" });
    expect(first.data).toHaveLength(2);
    const all = first.data.map((m) => m.email);
    let cursor = first.nextCursor;
    for (let pages = 1; cursor; pages++) {
      expect(pages).toBeLessThan(20);
      const page = await listMembers(slug, { limit: 2, cursor });
      all.push(...page.data.map((m) => m.email));
      cursor = page.nextCursor;
    }
    expect(all.length).toBe(await tenantDb(slug).user.count());
    expect(all).toEqual([...all].sort());
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain(`viewer@${slug}.test`);
    expect(all.some((e) => e.includes(other))).toBe(false);
    await expect(listMembers(slug, { limit: 500 })).rejects.toMatchObject({ status: 400 });
  });

  it("creates with a password (policy applies, nothing written on refusal) or by invitation", async () => {
    const before = await tenantDb(slug).user.count();
    await expect(createMember(slug, principals.admin, { email: "weak@x.test", role: "member", password: "password1234" }, ctx)).rejects.toMatchObject({
      status: 400,
    });
    expect(await tenantDb(slug).user.count()).toBe(before);

    const active = await createMember(slug, principals.admin, { email: "Dana@X.test", name: "Dana", role: "member", password: testPassword }, ctx);
    expect(active.member).toMatchObject({ email: "dana@x.test", status: "active", role: "member" });
    expect(active.invitationToken).toBeUndefined();
    expect((await checkPassword(slug, "dana@x.test", testPassword, meta())).status).toBe("ok");

    const invited = await createMember(slug, principals.admin, { email: "erin@x.test", role: "viewer" }, ctx);
    expect(invited.member.status).toBe("invited");
    expect(invited.invitationToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await checkPassword(slug, "erin@x.test", testPassword, meta())).status).toBe("invalid");
    await expect(acceptInvitation(slug, invited.invitationToken!, { password: "short" }, ctx)).rejects.toMatchObject({ status: 400 });
    await acceptInvitation(slug, invited.invitationToken!, { name: "Erin", password: testPassword }, ctx);
    expect((await checkPassword(slug, "erin@x.test", testPassword, meta())).status).toBe("ok");
    await expect(acceptInvitation(slug, invited.invitationToken!, { password: testPassword }, ctx)).rejects.toMatchObject({ status: 404 });
    // The invitation token is another tenant's nothing.
    await expect(createMember(slug, principals.admin, { email: "dana@x.test", role: "member" }, ctx)).rejects.toMatchObject({ status: 409 });
  });

  it("a member edits only their own name; admins cannot touch owners; nobody demotes the last owner", async () => {
    const member = principals.member;
    await expect(updateMember(slug, member, member.id, { name: "Me" }, ctx)).resolves.toMatchObject({ name: "Me" });
    await expect(updateMember(slug, member, member.id, { role: "admin" }, ctx)).rejects.toMatchObject({ status: 403 });
    await expect(updateMember(slug, member, principals.viewer.id, { name: "X" }, ctx)).rejects.toMatchObject({ status: 403 });

    await expect(updateMember(slug, principals.admin, principals.viewer.id, { role: "owner" }, ctx)).rejects.toMatchObject({ status: 403 });
    await expect(updateMember(slug, principals.admin, principals.owner.id, { role: "member" }, ctx)).rejects.toMatchObject({ status: 403 });
    await expect(removeMember(slug, principals.admin, principals.owner.id, ctx)).rejects.toMatchObject({ status: 403 });

    await expect(updateMember(slug, principals.owner, principals.owner.id, { role: "admin" }, ctx)).rejects.toMatchObject({
      status: 409,
      reason: "last_owner",
    });
    await expect(removeMember(slug, principals.owner, principals.owner.id, ctx)).rejects.toMatchObject({ status: 409 });

    // With a second owner, one may step down, but two concurrent demotions cannot both pass.
    const second = await createMember(slug, principals.owner, { email: "owner2@x.test", role: "owner", password: testPassword }, ctx);
    const results = await Promise.allSettled([
      updateMember(slug, principals.owner, principals.owner.id, { role: "admin" }, ctx),
      updateMember(slug, principals.owner, second.member.id, { role: "admin" }, ctx),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await tenantDb(slug).user.count({ where: { role: "owner" } })).toBe(1);
  });

  it("ids of another tenant's members are not found here", async () => {
    const foreign = await tenantDb(other).user.findFirstOrThrow();
    await expect(updateMember(slug, principals.owner, foreign.id, { name: "x" }, ctx)).rejects.toMatchObject({ status: 404 });
    await expect(removeMember(slug, principals.owner, foreign.id, ctx)).rejects.toMatchObject({ status: 404 });
  });

  it("role changes are audited with before and after", async () => {
    const id = await addUser(slug, "promote@x.test", "viewer");
    const owner = await principalFor(slug, (await tenantDb(slug).user.findFirstOrThrow({ where: { role: "owner" } })).email);
    await updateMember(slug, owner, id, { role: "member" }, ctx);
    const row = await tenantDb(slug).auditLog.findFirstOrThrow({ where: { action: "user.updated", targetId: id } });
    expect(row.changes).toMatchObject({ role: { before: "viewer", after: "member" } });
  });

  it("an invited owner does not count as an owner; admins cannot rename owners", async () => {
    const s2 = uniqueSlug("mem3");
    await tenantWithOwner(s2);
    try {
      const owner = await principalFor(s2, `owner@${s2}.test`);
      const invited = await createMember(s2, owner, { email: "future-owner@x.test", role: "owner" }, ctx);
      expect(invited.member.status).toBe("invited");
      await expect(updateMember(s2, owner, owner.id, { role: "admin" }, ctx)).rejects.toMatchObject({ status: 409, reason: "last_owner" });
      await expect(removeMember(s2, owner, owner.id, ctx)).rejects.toMatchObject({ status: 409 });

      await addUser(s2, `admin@${s2}.test`, "admin");
      const admin = await principalFor(s2, `admin@${s2}.test`);
      await expect(updateMember(s2, admin, owner.id, { name: "Renamed" }, ctx)).rejects.toMatchObject({ status: 403, reason: "owner_only" });
      await expect(updateMember(s2, owner, owner.id, { name: "Me, the owner" }, ctx)).resolves.toMatchObject({ name: "Me, the owner" });
    } finally {
      await dropTenantsQuietly([s2]);
    }
  });
});
