// Organizations and their members through the real route handlers (PostgreSQL, Redis):
// CRUD, the object-level rules beside the role map (org_admin manages its organization's
// members), keys scoped to one organization, bad input, and a second tenant.
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as apiKeysRoute from "@/app/api/v1/api-keys/route";
import * as integrationRoute from "@/app/api/v1/integrations/[id]/route";
import * as eventRoute from "@/app/api/v1/integrations/[id]/events/[eventId]/route";
import * as eventsRoute from "@/app/api/v1/integrations/[id]/events/route";
import * as replayRoute from "@/app/api/v1/integrations/[id]/events/replay/route";
import * as healthRoute from "@/app/api/v1/integrations/[id]/health/route";
import * as recordsRoute from "@/app/api/v1/integrations/[id]/records/route";
import * as rotateRoute from "@/app/api/v1/integrations/[id]/rotate-secret/route";
import * as syncRoute from "@/app/api/v1/integrations/[id]/sync/route";
import * as integrationsRoute from "@/app/api/v1/integrations/route";
import * as memberRoute from "@/app/api/v1/organizations/[id]/members/[userId]/route";
import * as membersRoute from "@/app/api/v1/organizations/[id]/members/route";
import * as orgRoute from "@/app/api/v1/organizations/[id]/route";
import * as orgsRoute from "@/app/api/v1/organizations/route";
import * as meRoute from "@/app/api/v1/me/route";
import * as usersRoute from "@/app/api/v1/users/route";
import { auditActions } from "@/lib/audit/actions";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { permissionsOf, roles } from "@/lib/auth/permissions";
import { issueTokensForPassword } from "@/lib/auth/sign-in-flow";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { mayManageMembers } from "@/lib/organizations/policy";
import { orgRoles } from "@/lib/organizations/schemas";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { addUser, meta, tenantWithOwner, testPassword } from "./support/auth";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("org");
const other = uniqueSlug("org2");
const users = {} as Record<"admin" | "member" | "member2" | "viewer", string>;
const tokens = {} as Record<"owner" | "admin" | "member" | "member2" | "viewer" | "otherOwner", string>;

type Route = (request: Request, route: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

async function tokenFor(s: string, email: string): Promise<string> {
  const { pair } = await issueTokensForPassword(s, defaultTenantSettings(), { email, password: testPassword }, meta());
  return pair.access_token;
}

async function call(handler: Route, method: string, token: string, opts: { body?: unknown; params?: Record<string, string>; tenant?: string } = {}) {
  const tenant = opts.tenant ?? slug;
  const request = new Request(`http://${tenant}.localhost/api/v1/organizations`, {
    method,
    headers: { [internalHeaders.tenant]: tenant, authorization: `Bearer ${token}`, "content-type": "application/json", "user-agent": "org-test" },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const res = await handler(request, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

const denials = (s: string) => tenantDb(s).auditLog.count({ where: { action: auditActions.permissionDenied } });

async function newOrg(name: string): Promise<string> {
  const res = await call(orgsRoute.POST, "POST", tokens.owner, { body: { name } });
  expect(res.status).toBe(201);
  return String(res.body!.id);
}

beforeAll(async () => {
  await tenantWithOwner(slug);
  await tenantWithOwner(other);
  users.admin = await addUser(slug, `admin@${slug}.test`, "admin");
  users.member = await addUser(slug, `member@${slug}.test`, "member");
  users.member2 = await addUser(slug, `member2@${slug}.test`, "member");
  users.viewer = await addUser(slug, `viewer@${slug}.test`, "viewer");
  tokens.owner = await tokenFor(slug, `owner@${slug}.test`);
  for (const r of ["admin", "member", "member2", "viewer"] as const) tokens[r] = await tokenFor(slug, `${r}@${slug}.test`);
  tokens.otherOwner = await tokenFor(other, `owner@${other}.test`);
}, 120_000); // seven password hashes and sign-ins on a shared machine

afterAll(async () => {
  await dropTenantsQuietly([slug, other]);
  await closePool();
});

describe("the organization rule (beside the role map)", () => {
  // Written out: who may manage an organization's members, by tenant role and organization role.
  const expected: Record<(typeof roles)[number], Record<(typeof orgRoles)[number] | "none", boolean>> = {
    owner: { org_admin: true, member: true, none: true },
    admin: { org_admin: true, member: true, none: true },
    member: { org_admin: true, member: false, none: false },
    viewer: { org_admin: true, member: false, none: false },
  };
  for (const role of roles) {
    for (const orgRole of [...orgRoles, "none"] as const) {
      const allowed = expected[role][orgRole];
      it(`${role} who is ${orgRole === "none" ? "not in it" : orgRole} ${allowed ? "may" : "may not"} manage its members`, () => {
        expect(mayManageMembers({ permissions: permissionsOf(role) }, orgRole === "none" ? null : orgRole)).toBe(allowed);
      });
    }
  }
});

describe("organizations CRUD", () => {
  it("creates, lists, reads, renames and deletes; every change audited", async () => {
    const id = await newOrg("Sales");
    const list = await call(orgsRoute.GET, "GET", tokens.member);
    expect(list.status).toBe(200);
    expect((list.body!.data as { name: string }[]).map((o) => o.name)).toContain("Sales");
    expect((await call(orgRoute.GET, "GET", tokens.admin, { params: { id } })).body).toMatchObject({ id, name: "Sales", memberCount: 0 });
    const renamed = await call(orgRoute.PATCH, "PATCH", tokens.admin, { params: { id }, body: { name: "  Sales EMEA " } });
    expect(renamed.body).toMatchObject({ name: "Sales EMEA" });
    expect((await call(orgRoute.DELETE, "DELETE", tokens.owner, { params: { id } })).status).toBe(204);
    expect((await call(orgRoute.GET, "GET", tokens.owner, { params: { id } })).status).toBe(404);
    const actions = (await tenantDb(slug).auditLog.findMany({ where: { targetType: "organization", targetId: id }, orderBy: { seq: "asc" } })).map(
      (r) => r.action,
    );
    expect(actions).toEqual(["organization.created", "organization.updated", "organization.deleted"]);
    const [update] = await tenantDb(slug).auditLog.findMany({ where: { action: "organization.updated", targetId: id } });
    expect(update!.changes).toMatchObject({ name: { before: "Sales", after: "Sales EMEA" } });
  });

  it("refuses a duplicate name with 409", async () => {
    await newOrg("Support");
    const dup = await call(orgsRoute.POST, "POST", tokens.owner, { body: { name: "Support" } });
    expect(dup.status).toBe(409);
    expect((dup.body!.errors as { path: string }[])[0]!.path).toBe("name");
  });

  it.each([
    ["a NUL byte", { name: "Bad\u0000Org" }, "name"],
    ["an over-long name", { name: "x".repeat(101) }, "name"],
    ["an empty name", { name: "   " }, "name"],
    ["an unknown field", { name: "Fine", parentId: "x" }, ""],
    ["no name", {}, "name"],
  ])("answers 400 problem+json with per-field errors for %s, and creates nothing", async (_what, body, path) => {
    const before = await tenantDb(slug).organization.count();
    const res = await call(orgsRoute.POST, "POST", tokens.owner, { body });
    expect(res.status).toBe(400);
    expect(res.type).toContain("application/problem+json");
    expect((res.body!.errors as { path: string }[]).map((e) => e.path)).toContain(path);
    expect(await tenantDb(slug).organization.count()).toBe(before);
  });

  it("members and viewers cannot create, rename or delete (403, audited)", async () => {
    const id = await newOrg("Finance");
    const before = await denials(slug);
    expect((await call(orgsRoute.POST, "POST", tokens.member, { body: { name: "Mine" } })).status).toBe(403);
    expect((await call(orgRoute.PATCH, "PATCH", tokens.member, { params: { id }, body: { name: "Mine" } })).status).toBe(403);
    expect((await call(orgRoute.DELETE, "DELETE", tokens.member, { params: { id } })).status).toBe(403);
    expect((await call(orgsRoute.GET, "GET", tokens.viewer)).status).toBe(403);
    expect(await denials(slug)).toBe(before + 4);
  });

  it("another tenant cannot see or touch them: 404 for our ids, an empty list of its own", async () => {
    const id = await newOrg("Private");
    expect((await call(orgsRoute.GET, "GET", tokens.otherOwner, { tenant: other })).body!.data).toEqual([]);
    expect((await call(orgRoute.GET, "GET", tokens.otherOwner, { params: { id }, tenant: other })).status).toBe(404);
    expect((await call(orgRoute.PATCH, "PATCH", tokens.otherOwner, { params: { id }, body: { name: "Taken" }, tenant: other })).status).toBe(404);
    expect((await call(orgRoute.DELETE, "DELETE", tokens.otherOwner, { params: { id }, tenant: other })).status).toBe(404);
    expect((await call(membersRoute.GET, "GET", tokens.otherOwner, { params: { id }, tenant: other })).status).toBe(404);
    // And our token means nothing on their host.
    expect((await call(orgsRoute.GET, "GET", tokens.owner, { tenant: other })).status).toBe(401);
    expect((await call(orgRoute.GET, "GET", tokens.owner, { params: { id } })).body).toMatchObject({ name: "Private" });
    // Ids that are not uuids are simply unknown.
    expect((await call(orgRoute.GET, "GET", tokens.owner, { params: { id: "not-a-uuid\u0000" } })).status).toBe(404);
  });
});

describe("organization members and org_admin", () => {
  it("an admin adds members; an org_admin (a plain member of the tenant) manages them; others are refused (403, audited)", async () => {
    const id = await newOrg("Customer A");
    const added = await call(membersRoute.POST, "POST", tokens.admin, { params: { id }, body: { userId: users.member, role: "org_admin" } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ userId: users.member, email: `member@${slug}.test`, role: "org_admin" });

    // The org_admin (tenant role: member) adds and promotes someone.
    expect((await call(membersRoute.POST, "POST", tokens.member, { params: { id }, body: { userId: users.member2 } })).status).toBe(201);
    expect((await call(memberRoute.PATCH, "PATCH", tokens.member, { params: { id, userId: users.member2 }, body: { role: "org_admin" } })).body).toMatchObject({
      role: "org_admin",
    });
    expect((await call(memberRoute.PATCH, "PATCH", tokens.member, { params: { id, userId: users.member2 }, body: { role: "member" } })).status).toBe(200);

    // A plain organization member may not.
    const before = await denials(slug);
    const refused = await call(membersRoute.POST, "POST", tokens.member2, { params: { id }, body: { userId: users.viewer } });
    expect(refused.status).toBe(403);
    expect(refused.body!.reason).toBe("org_admin_only");
    expect((await call(memberRoute.DELETE, "DELETE", tokens.member2, { params: { id, userId: users.member } })).status).toBe(403);
    expect(await denials(slug)).toBe(before + 2);

    // Nor may an org_admin of one organization manage another.
    const otherOrg = await newOrg("Customer B");
    expect((await call(membersRoute.POST, "POST", tokens.member, { params: { id: otherOrg }, body: { userId: users.member2 } })).status).toBe(403);

    const list = await call(membersRoute.GET, "GET", tokens.member, { params: { id } });
    expect((list.body!.data as { email: string; role: string }[]).map((m) => [m.email, m.role])).toEqual([
      [`member2@${slug}.test`, "member"],
      [`member@${slug}.test`, "org_admin"],
    ]);
    expect((await call(memberRoute.DELETE, "DELETE", tokens.member, { params: { id, userId: users.member2 } })).status).toBe(204);
    expect((await call(memberRoute.DELETE, "DELETE", tokens.member, { params: { id, userId: users.member2 } })).status).toBe(404);
    const audited = await tenantDb(slug).auditLog.count({ where: { targetType: "organization_member" } });
    expect(audited).toBeGreaterThanOrEqual(5);
  });

  it("refuses bad members input: duplicates 409, unknown or foreign users 404, bad roles 400", async () => {
    const id = await newOrg("Customer C");
    expect((await call(membersRoute.POST, "POST", tokens.owner, { params: { id }, body: { userId: users.admin } })).status).toBe(201);
    expect((await call(membersRoute.POST, "POST", tokens.owner, { params: { id }, body: { userId: users.admin } })).status).toBe(409);
    const foreignUser = (await tenantDb(other).user.findFirstOrThrow()).id;
    const foreign = await call(membersRoute.POST, "POST", tokens.owner, { params: { id }, body: { userId: foreignUser } });
    expect(foreign.status).toBe(404);
    expect(foreign.type).toContain("application/problem+json");
    for (const body of [{ userId: users.viewer, role: "owner" }, { userId: "nope" }, { userId: users.viewer, extra: 1 }, { userId: `${users.viewer}\u0000` }]) {
      const res = await call(membersRoute.POST, "POST", tokens.owner, { params: { id }, body });
      expect(res.status).toBe(400);
      expect((res.body!.errors as unknown[]).length).toBeGreaterThan(0);
    }
    expect((await call(memberRoute.PATCH, "PATCH", tokens.owner, { params: { id, userId: users.admin }, body: { role: "admin" } })).status).toBe(400);
    expect((await call(memberRoute.PATCH, "PATCH", tokens.owner, { params: { id, userId: users.viewer }, body: { role: "member" } })).status).toBe(404);
  });
});

describe("keys scoped to an organization", () => {
  let orgA: string;
  let orgB: string;
  let keyA: string;
  let integrationA: string;
  let integrationB: string;

  beforeAll(async () => {
    orgA = await newOrg("Scoped A");
    orgB = await newOrg("Scoped B");
    const created = await call(apiKeysRoute.POST, "POST", tokens.owner, {
      body: { name: "A only", scopes: ["organizations:read", "integrations:read", "integrations:write", "members:read"], organizationId: orgA },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ organization: { id: orgA, name: "Scoped A" } });
    keyA = String(created.body!.key);
    const mk = async (name: string, organizationId: string) => {
      const res = await call(integrationsRoute.POST, "POST", tokens.owner, {
        body: { name, kind: "webhook", scheme: "standard-webhooks", organizationId },
      });
      expect(res.status).toBe(201);
      return String(res.body!.id);
    };
    integrationA = await mk("Hook A", orgA);
    integrationB = await mk("Hook B", orgB);
  }, 60_000);

  it("sees only its organization and its integrations", async () => {
    const orgs = await call(orgsRoute.GET, "GET", keyA);
    expect((orgs.body!.data as { id: string }[]).map((o) => o.id)).toEqual([orgA]);
    expect((await call(orgRoute.GET, "GET", keyA, { params: { id: orgB } })).status).toBe(404);
    expect((await call(membersRoute.GET, "GET", keyA, { params: { id: orgB } })).status).toBe(404);
    const list = await call(integrationsRoute.GET, "GET", keyA);
    expect((list.body!.data as { id: string }[]).map((i) => i.id)).toEqual([integrationA]);
    expect((await call(integrationRoute.GET, "GET", keyA, { params: { id: integrationA } })).status).toBe(200);
    expect((await call(integrationRoute.GET, "GET", keyA, { params: { id: integrationB } })).status).toBe(404);
    expect((await call(integrationRoute.PATCH, "PATCH", keyA, { params: { id: integrationB }, body: { name: "mine now" } })).status).toBe(404);
    expect((await call(integrationRoute.DELETE, "DELETE", keyA, { params: { id: integrationB } })).status).toBe(404);
    // The owner sees everything.
    const all = await call(integrationsRoute.GET, "GET", tokens.owner);
    expect((all.body!.data as { id: string }[]).map((i) => i.id)).toEqual(expect.arrayContaining([integrationA, integrationB]));
  });

  it("creates integrations only in its organization; cannot move one out", async () => {
    const created = await call(integrationsRoute.POST, "POST", keyA, { body: { name: "Key-made", kind: "webhook", scheme: "github" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ organizationId: orgA });
    const before = await denials(slug);
    expect(
      (await call(integrationsRoute.POST, "POST", keyA, { body: { name: "Elsewhere", kind: "webhook", scheme: "github", organizationId: orgB } })).status,
    ).toBe(403);
    expect((await call(integrationRoute.PATCH, "PATCH", keyA, { params: { id: integrationA }, body: { organizationId: null } })).status).toBe(403);
    expect(await denials(slug)).toBe(before + 2);
  });

  it("may ask who it is: /me names its organization", async () => {
    const me = await call(meRoute.GET, "GET", keyA);
    expect(me.status).toBe(200);
    expect(me.body!.principal).toMatchObject({ type: "api_key", organization_id: orgA });
  });

  it("is refused tenant-wide endpoints (403, audited)", async () => {
    const before = await denials(slug);
    const res = await call(usersRoute.GET, "GET", keyA);
    expect(res.status).toBe(403);
    expect(res.body!.reason).toBe("organization_scope");
    expect(await denials(slug)).toBe(before + 1);
  });

  it("refuses deleting an organization that has integrations (409); deleting one drops its keys", async () => {
    expect((await call(orgRoute.DELETE, "DELETE", tokens.owner, { params: { id: orgB } })).status).toBe(409);
    expect((await call(integrationRoute.DELETE, "DELETE", tokens.owner, { params: { id: integrationB } })).status).toBe(204);
    const orgC = await newOrg("Scoped C");
    const created = await call(apiKeysRoute.POST, "POST", tokens.owner, { body: { name: "C only", scopes: ["organizations:read"], organizationId: orgC } });
    const keyC = String(created.body!.key);
    expect((await call(orgsRoute.GET, "GET", keyC)).status).toBe(200);
    expect((await call(orgRoute.DELETE, "DELETE", tokens.owner, { params: { id: orgC } })).status).toBe(204);
    // Never tenant-wide: the key is gone with its organization.
    expect((await call(orgsRoute.GET, "GET", keyC)).status).toBe(401);
  });

  it("an API key or integration cannot name another tenant's organization", async () => {
    const theirs = await call(orgsRoute.POST, "POST", tokens.otherOwner, { body: { name: "Theirs" }, tenant: other });
    const theirId = String(theirs.body!.id);
    const key = await call(apiKeysRoute.POST, "POST", tokens.owner, { body: { name: "x", scopes: ["organizations:read"], organizationId: theirId } });
    expect(key.status).toBe(400);
    expect((key.body!.errors as { path: string }[])[0]!.path).toBe("organizationId");
    const integ = await call(integrationsRoute.POST, "POST", tokens.owner, { body: { name: "x", kind: "webhook", scheme: "github", organizationId: theirId } });
    expect(integ.status).toBe(400);
  });
});

describe("keys scoped to an organization, on an integration's sub-routes", () => {
  // The same object rule as the integration itself: its own organization's integrations
  // answer as they do for the owner; another organization's (or another tenant's) are 404,
  // as if absent, and nothing is changed.
  let orgA: string;
  let keyA: string;
  let readOnlyA: string;
  let hookA: string;
  let hookB: string;
  let eventA: string;
  let eventB: string;
  let theirHook: string;

  async function inboxEvent(s: string, integrationId: string): Promise<string> {
    const body = Buffer.from(JSON.stringify({ id: randomUUID() }));
    const row = await withAudit(s, systemContext("org-test"), (tx) =>
      tx.webhookEvent.create({
        data: { integrationId, providerEventId: randomUUID(), headers: {}, body, bodySha256: createHash("sha256").update(body).digest("hex"), status: "dead" },
        select: { id: true },
      }),
    );
    return row.id;
  }

  async function hook(name: string, organizationId: string | null, token = tokens.owner, tenant = slug): Promise<string> {
    const res = await call(integrationsRoute.POST, "POST", token, { body: { name, kind: "webhook", scheme: "standard-webhooks", organizationId }, tenant });
    expect(res.status).toBe(201);
    return String(res.body!.id);
  }

  async function scopedKey(name: string, organizationId: string, scopes: string[]): Promise<string> {
    const res = await call(apiKeysRoute.POST, "POST", tokens.owner, { body: { name, scopes, organizationId } });
    expect(res.status).toBe(201);
    return String(res.body!.key);
  }

  const sealedSecret = async (id: string) =>
    (await tenantDb(slug).integration.findUniqueOrThrow({ where: { id }, select: { secretSealed: true } })).secretSealed;

  beforeAll(async () => {
    orgA = await newOrg("Sub A");
    const orgB = await newOrg("Sub B");
    keyA = await scopedKey("Sub A key", orgA, ["integrations:read", "integrations:write"]);
    readOnlyA = await scopedKey("Sub A reader", orgA, ["integrations:read"]);
    hookA = await hook("Sub hook A", orgA);
    hookB = await hook("Sub hook B", orgB);
    eventA = await inboxEvent(slug, hookA);
    eventB = await inboxEvent(slug, hookB);
    theirHook = await hook("Their hook", null, tokens.otherOwner, other);
  }, 60_000);

  type Case = { name: string; handler: Route; method: string; body?: unknown; event?: boolean };
  const reads: Case[] = [
    { name: "events", handler: eventsRoute.GET, method: "GET" },
    { name: "one event", handler: eventRoute.GET, method: "GET", event: true },
    { name: "health", handler: healthRoute.GET, method: "GET" },
    { name: "records", handler: recordsRoute.GET, method: "GET" },
    { name: "sync runs", handler: syncRoute.GET, method: "GET" },
  ];
  const writes: Case[] = [
    { name: "replay", handler: replayRoute.POST, method: "POST", body: { statuses: ["failed"] } },
    { name: "sync now", handler: syncRoute.POST, method: "POST" },
  ];
  const params = (id: string, c: Case, eventId: string): Record<string, string> => (c.event ? { id, eventId } : { id });

  it("answers for its own organization's integration as it does for the owner", async () => {
    for (const c of [...reads, ...writes]) {
      const mine = await call(c.handler, c.method, keyA, { params: params(hookA, c, eventA), body: c.body });
      const owners = await call(c.handler, c.method, tokens.owner, { params: params(hookA, c, eventA), body: c.body });
      expect(mine.status, c.name).toBe(owners.status);
      expect(mine.status, c.name).not.toBe(403);
      expect(mine.status, c.name).not.toBe(404);
    }
    const events = await call(eventsRoute.GET, "GET", keyA, { params: { id: hookA } });
    expect((events.body!.data as { id: string }[]).map((e) => e.id)).toEqual([eventA]);
    expect((await call(eventRoute.GET, "GET", keyA, { params: { id: hookA, eventId: eventA } })).body).toMatchObject({ id: eventA });
    const before = await sealedSecret(hookA);
    const rotated = await call(rotateRoute.POST, "POST", keyA, { params: { id: hookA }, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id: hookA, secret: expect.any(String) });
    expect(await sealedSecret(hookA)).not.toBe(before);
  });

  it("is told another organization's integration does not exist (404), and changes nothing there", async () => {
    const denialsBefore = await denials(slug);
    for (const c of [...reads, ...writes]) {
      const res = await call(c.handler, c.method, keyA, { params: params(hookB, c, eventB), body: c.body });
      expect(res.status, c.name).toBe(404);
      expect(res.type, c.name).toContain("application/problem+json");
    }
    // Not even through its own integration's id with the other one's event.
    expect((await call(eventRoute.GET, "GET", keyA, { params: { id: hookA, eventId: eventB } })).status).toBe(404);
    const secretB = await sealedSecret(hookB);
    expect((await call(rotateRoute.POST, "POST", keyA, { params: { id: hookB }, body: {} })).status).toBe(404);
    expect(await sealedSecret(hookB)).toBe(secretB);
    // A tenant-wide integration (no organization) is outside its scope too.
    const tenantWide = await hook("Tenant-wide", null);
    expect((await call(healthRoute.GET, "GET", keyA, { params: { id: tenantWide } })).status).toBe(404);
    // 404s are not denials; the owner still reaches B.
    expect(await denials(slug)).toBe(denialsBefore);
    expect((await call(healthRoute.GET, "GET", tokens.owner, { params: { id: hookB } })).status).toBe(200);
  });

  it("a scoped key without integrations:write is refused the writes on its own integration (403, audited once each)", async () => {
    const before = await denials(slug);
    const secret = await sealedSecret(hookA);
    for (const c of [...writes, { name: "rotate", handler: rotateRoute.POST, method: "POST", body: {} }]) {
      const res = await call(c.handler, c.method, readOnlyA, { params: { id: hookA }, body: c.body });
      expect(res.status, c.name).toBe(403);
    }
    expect(await denials(slug)).toBe(before + 3);
    expect(await sealedSecret(hookA)).toBe(secret);
    expect((await call(healthRoute.GET, "GET", readOnlyA, { params: { id: hookA } })).status).toBe(200);
  });

  it("a second tenant: its integrations are 404 to the key, and the key is not valid on its host", async () => {
    for (const c of reads.filter((r) => !r.event)) expect((await call(c.handler, c.method, keyA, { params: { id: theirHook } })).status, c.name).toBe(404);
    expect((await call(healthRoute.GET, "GET", keyA, { params: { id: theirHook }, tenant: other })).status).toBe(401);
    expect((await call(healthRoute.GET, "GET", tokens.otherOwner, { params: { id: theirHook }, tenant: other })).status).toBe(200);
  });
});
