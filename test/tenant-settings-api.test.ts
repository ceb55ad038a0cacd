// GET/PATCH /api/v1/tenant/settings and the custom-domain endpoints, through the real
// route handlers against PostgreSQL and Redis, with a real DNS server for verification.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as primaryRoute from "@/app/api/v1/tenant/domains/[name]/primary/route";
import * as domainRoute from "@/app/api/v1/tenant/domains/[name]/route";
import * as verifyRoute from "@/app/api/v1/tenant/domains/[name]/verify/route";
import * as domainsRoute from "@/app/api/v1/tenant/domains/route";
import * as settingsRoute from "@/app/api/v1/tenant/settings/route";
import { auditActions } from "@/lib/audit/actions";
import { issueTokensForPassword } from "@/lib/auth/sign-in-flow";
import { platformDb } from "@/lib/db/platform-client";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { resetEnvCache } from "@/lib/env";
import { getRedis } from "@/lib/redis/client";
import { tenantBranding } from "@/lib/tenancy/branding";
import { pendingClaimDays } from "@/lib/tenancy/domains";
import { findTenantByHostname, findTenantBySlug } from "@/lib/tenancy/find-tenant";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { mirrorKeys } from "@/lib/tenancy/mirror-keys";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { forgetTenantSettings, getTenantSettings } from "@/lib/tenancy/tenant-settings";
import { addUser, meta, tenantWithOwner, testPassword } from "./support/auth";
import { startDnsServer, type TestDnsServer } from "./support/dns-server";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("tset");
const other = uniqueSlug("tset2");
const tokens = {} as Record<"owner" | "admin" | "member" | "otherOwner", string>;
let dns: TestDnsServer;

type Route = (request: Request, route: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

async function tokenFor(s: string, email: string): Promise<string> {
  const { pair } = await issueTokensForPassword(s, defaultTenantSettings(), { email, password: testPassword }, meta());
  return pair.access_token;
}

async function call(
  handler: Route,
  method: string,
  token: string,
  opts: { body?: unknown; raw?: string; params?: Record<string, string>; tenant?: string } = {},
) {
  const tenant = opts.tenant ?? slug;
  const request = new Request(`http://${tenant}.localhost/api/v1/tenant/settings`, {
    method,
    headers: { [internalHeaders.tenant]: tenant, authorization: `Bearer ${token}`, "content-type": "application/json", "user-agent": "settings-test" },
    body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
  });
  const res = await handler(request, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

const settingsAudits = (s: string) => tenantDb(s).auditLog.findMany({ where: { action: "settings.updated" }, orderBy: { seq: "asc" } });
const host = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}.example.test`;

beforeAll(async () => {
  dns = await startDnsServer();
  process.env.DNS_RESOLVERS = dns.address;
  resetEnvCache();
  await tenantWithOwner(slug);
  await tenantWithOwner(other);
  await addUser(slug, `admin@${slug}.test`, "admin");
  await addUser(slug, `member@${slug}.test`, "member");
  tokens.owner = await tokenFor(slug, `owner@${slug}.test`);
  tokens.admin = await tokenFor(slug, `admin@${slug}.test`);
  tokens.member = await tokenFor(slug, `member@${slug}.test`);
  tokens.otherOwner = await tokenFor(other, `owner@${other}.test`);
}, 120_000); // password hashes and sign-ins on a shared machine

afterAll(async () => {
  delete process.env.DNS_RESOLVERS;
  resetEnvCache();
  await dns?.close();
  await dropTenantsQuietly([slug, other]);
  await closePool();
});

describe("GET /api/v1/tenant/settings", () => {
  it("answers owners and admins with every editable field and the defaults", async () => {
    for (const token of [tokens.owner, tokens.admin]) {
      const { status, body } = await call(settingsRoute.GET, "GET", token);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        slug,
        displayName: `Tenant ${slug}`,
        branding: { logoUrl: null, accentColor: null },
        corsOrigins: [],
        rateLimits: {},
        auditRetentionDays: null,
        mfaRequiredForAdmins: false,
        sessionLifetimeHours: 168,
        alertRecipients: { roles: ["owner"], addresses: [] },
        domains: [],
      });
      expect(body!.rateLimitDefaults).toMatchObject({ apiPerMinute: 600 });
    }
  });

  it("refuses members (403, audited)", async () => {
    const before = await tenantDb(slug).auditLog.count({ where: { action: auditActions.permissionDenied } });
    const { status, type } = await call(settingsRoute.GET, "GET", tokens.member);
    expect(status).toBe(403);
    expect(type).toContain("application/problem+json");
    expect(await tenantDb(slug).auditLog.count({ where: { action: auditActions.permissionDenied } })).toBe(before + 1);
  });

  it("answers 401 without a token", async () => {
    expect((await call(settingsRoute.GET, "GET", "not-a-token")).status).toBe(401);
  });
});

describe("PATCH /api/v1/tenant/settings", () => {
  it("changes only the fields it carries, audits before and after, and leaves the other tenant alone", async () => {
    const { status, body } = await call(settingsRoute.PATCH, "PATCH", tokens.owner, {
      body: { displayName: "Acme Renamed", branding: { logoUrl: "https://cdn.example.com/logo.png", accentColor: "#AA3366" } },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      displayName: "Acme Renamed",
      branding: { logoUrl: "https://cdn.example.com/logo.png", accentColor: "#aa3366" },
      sessionLifetimeHours: 168,
    });
    const [row] = (await settingsAudits(slug)).slice(-1);
    expect(row!.metadata).toEqual({
      displayName: { before: `Tenant ${slug}`, after: "Acme Renamed" },
      branding: { before: { logoUrl: null, accentColor: null }, after: { logoUrl: "https://cdn.example.com/logo.png", accentColor: "#aa3366" } },
    });
    expect(row!.actorLabel).toBe(`owner@${slug}.test`);
    // Every cached copy follows: the tenant record (name) and the settings.
    expect((await findTenantBySlug(slug))?.name).toBe("Acme Renamed");
    expect(await tenantBranding(slug)).toEqual({ name: "Acme Renamed", logoUrl: "https://cdn.example.com/logo.png", accentColor: "#aa3366" });
    expect((await findTenantBySlug(other))?.name).toBe(`Tenant ${other}`);
    expect((await getTenantSettings(other)).branding).toEqual({ logoUrl: null, accentColor: null });
    expect(await settingsAudits(other)).toHaveLength(0);
  });

  it("sets every other field and reads it back", async () => {
    const patch = {
      corsOrigins: ["https://app.example.com"],
      rateLimits: { apiPerMinute: 1200, principalPerMinute: 100 },
      auditRetentionDays: 400,
      mfaRequiredForAdmins: false,
      sessionLifetimeHours: 12,
      alertRecipients: { roles: ["owner", "admin"], addresses: ["Ops@Example.com"] },
    };
    expect((await call(settingsRoute.PATCH, "PATCH", tokens.owner, { body: patch })).status).toBe(200);
    forgetTenantSettings();
    const { body } = await call(settingsRoute.GET, "GET", tokens.admin);
    expect(body).toMatchObject({ ...patch, alertRecipients: { roles: ["owner", "admin"], addresses: ["ops@example.com"] }, displayName: "Acme Renamed" });
    const [row] = (await settingsAudits(slug)).slice(-1);
    expect(Object.keys(row!.metadata as object).sort()).toEqual(["alertRecipients", "auditRetentionDays", "corsOrigins", "rateLimits", "sessionLifetimeHours"]);
  });

  it("refuses admins (403, audited) and changes nothing", async () => {
    const before = (await settingsAudits(slug)).length;
    const { status } = await call(settingsRoute.PATCH, "PATCH", tokens.admin, { body: { displayName: "Admin was here" } });
    expect(status).toBe(403);
    expect((await findTenantBySlug(slug))?.name).toBe("Acme Renamed");
    expect(await settingsAudits(slug)).toHaveLength(before);
  });

  it.each([
    ["a NUL byte", { displayName: "Acme\u0000" }, "displayName"],
    ["an over-long name", { displayName: "x".repeat(101) }, "displayName"],
    ["an unknown field", { displayName: "Fine", plan: "enterprise" }, ""],
    ["an http logo", { branding: { logoUrl: "http://cdn.example.com/l.png", accentColor: null } }, "branding.logoUrl"],
    ["a bad colour", { branding: { logoUrl: null, accentColor: "red" } }, "branding.accentColor"],
    ["an over-long logo URL", { branding: { logoUrl: `https://e.com/${"a".repeat(2100)}`, accentColor: null } }, "branding.logoUrl"],
    ["a partial branding object", { branding: { accentColor: "#000000" } }, "branding.logoUrl"],
    ["an unknown rate limit", { rateLimits: { burst: 5 } }, "rateLimits"],
    ["a zero session lifetime", { sessionLifetimeHours: 0 }, "sessionLifetimeHours"],
    ["a lifetime beyond the cookie's", { sessionLifetimeHours: 169 }, "sessionLifetimeHours"],
    ["a bad alert address", { alertRecipients: { roles: ["owner"], addresses: ["not-an-email"] } }, "alertRecipients.addresses.0"],
    ["an unknown alert role", { alertRecipients: { roles: ["viewer"], addresses: [] } }, "alertRecipients.roles.0"],
    ["a retention of 0 days", { auditRetentionDays: 0 }, "auditRetentionDays"],
    ["an empty patch", {}, ""],
    ["a string for a boolean", { mfaRequiredForAdmins: "yes" }, "mfaRequiredForAdmins"],
  ])("answers 400 with per-field errors for %s, and writes nothing", async (_what, body, path) => {
    const before = (await settingsAudits(slug)).length;
    const res = await call(settingsRoute.PATCH, "PATCH", tokens.owner, { body });
    expect(res.status).toBe(400);
    expect(res.type).toContain("application/problem+json");
    const errors = res.body!.errors as { path: string; message: string }[];
    expect(errors.map((e) => e.path)).toContain(path);
    expect(await settingsAudits(slug)).toHaveLength(before);
    expect((await findTenantBySlug(slug))?.name).toBe("Acme Renamed");
  });

  it("answers 400 for a body that is not JSON or not an object", async () => {
    expect((await call(settingsRoute.PATCH, "PATCH", tokens.owner, { raw: "{nope" })).status).toBe(400);
    expect((await call(settingsRoute.PATCH, "PATCH", tokens.owner, { raw: "[1,2]" })).status).toBe(400);
    expect((await call(settingsRoute.PATCH, "PATCH", tokens.owner, { raw: "null" })).status).toBe(400);
  });

  it("a token of another tenant cannot read or change this tenant's settings", async () => {
    expect((await call(settingsRoute.GET, "GET", tokens.otherOwner)).status).toBe(401);
    expect((await call(settingsRoute.PATCH, "PATCH", tokens.otherOwner, { body: { displayName: "Hijacked" } })).status).toBe(401);
    expect((await findTenantBySlug(slug))?.name).toBe("Acme Renamed");
  });
});

describe("custom domains", () => {
  const redis = () => getRedis()!;

  it("adds a pending domain with a TXT record, verifies it with DNS, then routes it", async () => {
    const hostname = host("shop");
    const added = await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname: hostname.toUpperCase() } });
    expect(added.status).toBe(201);
    const record = added.body!.verification as { type: string; name: string; value: string };
    expect(added.body).toMatchObject({ hostname, verified: false, primary: false });
    expect(record).toMatchObject({ type: "TXT", name: `_platform-verify.${hostname}` });
    expect(record.value).toMatch(/^platform-verify=[A-Za-z0-9_-]{32}$/);
    // Pending: not routed, not mirrored.
    expect(await findTenantByHostname(hostname)).toBeNull();
    expect(await redis().get(mirrorKeys.domain(hostname))).toBeNull();

    // Not published yet: 422, still pending.
    const early = await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: hostname } });
    expect(early.status).toBe(422);
    expect(early.body!.reason).toBe("verification_failed");
    expect(dns.asked).toContain(record.name);
    // A record with another value does not verify either.
    dns.txt.set(record.name, ["platform-verify=somebody-elses-token"]);
    expect((await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: hostname } })).status).toBe(422);
    expect(await findTenantByHostname(hostname)).toBeNull();

    dns.txt.set(record.name, ["v=spf1 -all", record.value]);
    const verified = await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: hostname } });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ hostname, verified: true });
    expect((await findTenantByHostname(hostname))?.slug).toBe(slug);
    expect(await redis().get(mirrorKeys.domain(hostname))).toBe(slug);

    const audits = await tenantDb(slug).auditLog.findMany({ where: { targetType: "domain", targetId: hostname }, orderBy: { seq: "asc" } });
    expect(audits.map((a) => a.action)).toEqual(["domain.added", "domain.verified"]);
    expect(audits[1]!.metadata).toMatchObject({ before: { verified: false }, after: { verified: true } });
  });

  it("accepts a TXT record split into several strings", async () => {
    const hostname = host("split");
    const added = await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname } });
    const { name, value } = added.body!.verification as { name: string; value: string };
    // One record of two strings (as DNS providers split long values): joined, it matches.
    dns.txt.set(name, [[value.slice(0, 20), value.slice(20)]]);
    expect((await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: hostname } })).status).toBe(200);
  });

  it("makes a verified domain primary, refuses a pending one, and lists them", async () => {
    const a = host("prim-a");
    const b = host("prim-b");
    for (const h of [a, b]) {
      const added = await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname: h } });
      const { name, value } = added.body!.verification as { name: string; value: string };
      if (h === a) {
        dns.txt.set(name, [value]);
        expect((await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: h } })).status).toBe(200);
      }
    }
    const pending = await call(primaryRoute.POST, "POST", tokens.owner, { params: { name: b } });
    expect(pending.status).toBe(409);
    expect((await call(primaryRoute.POST, "POST", tokens.owner, { params: { name: a } })).body).toMatchObject({ hostname: a, primary: true });
    const list = await call(domainsRoute.GET, "GET", tokens.admin);
    const data = list.body!.data as { hostname: string; primary: boolean }[];
    expect(data[0]).toMatchObject({ hostname: a, primary: true });
    expect(data.filter((d) => d.primary)).toHaveLength(1);
    expect((await call(domainRoute.GET, "GET", tokens.admin, { params: { name: b } })).body).toMatchObject({ hostname: b, verified: false });
  });

  it("refuses a hostname another tenant claimed (409), and the other tenant cannot see, verify or remove ours (404)", async () => {
    const hostname = host("claimed");
    expect((await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname } })).status).toBe(201);
    const taken = await call(domainsRoute.POST, "POST", tokens.otherOwner, { body: { hostname }, tenant: other });
    expect(taken.status).toBe(409);
    expect(taken.type).toContain("application/problem+json");
    expect((taken.body!.errors as { path: string }[])[0]!.path).toBe("hostname");
    for (const [handler, method] of [
      [domainRoute.GET, "GET"],
      [verifyRoute.POST, "POST"],
      [primaryRoute.POST, "POST"],
      [domainRoute.DELETE, "DELETE"],
    ] as const) {
      expect((await call(handler, method, tokens.otherOwner, { params: { name: hostname }, tenant: other })).status).toBe(404);
    }
    const theirs = await call(domainsRoute.GET, "GET", tokens.otherOwner, { tenant: other });
    expect(theirs.body!.data).toEqual([]);
    expect((await call(domainRoute.GET, "GET", tokens.admin, { params: { name: hostname } })).status).toBe(200);
  });

  it.each([
    ["a NUL byte", { hostname: "shop\u0000.example.com" }],
    ["an over-long hostname", { hostname: `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.example.com` }],
    ["an unknown field", { hostname: "ok.example.com", verified: true }],
    ["a URL", { hostname: "https://shop.example.com" }],
    ["a platform subdomain", { hostname: `x.${process.env.APP_ROOT_DOMAIN ?? "localhost"}` }],
    ["no hostname", {}],
  ])("answers 400 problem+json for %s and adds nothing", async (_what, body) => {
    const before = (await call(domainsRoute.GET, "GET", tokens.owner)).body!.data as unknown[];
    const res = await call(domainsRoute.POST, "POST", tokens.owner, { body });
    expect(res.status).toBe(400);
    expect(res.type).toContain("application/problem+json");
    expect((res.body!.errors as unknown[]).length).toBeGreaterThan(0);
    expect((await call(domainsRoute.GET, "GET", tokens.owner)).body!.data).toHaveLength(before.length);
  });

  it("answers 400 for a bad {name} and 404 for an unknown one", async () => {
    expect((await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: "bad\u0000name" } })).status).toBe(400);
    expect((await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: "x".repeat(300) } })).status).toBe(400);
    expect((await call(domainRoute.DELETE, "DELETE", tokens.owner, { params: { name: "nobody.example.test" } })).status).toBe(404);
  });

  it("only owners change domains; admins read them (403 audited)", async () => {
    expect((await call(domainsRoute.GET, "GET", tokens.admin)).status).toBe(200);
    expect((await call(domainsRoute.POST, "POST", tokens.admin, { body: { hostname: host("adm") } })).status).toBe(403);
    expect((await call(domainsRoute.GET, "GET", tokens.member)).status).toBe(403);
  });

  it("removes a domain: no longer routed or mirrored", async () => {
    const hostname = host("gone");
    const added = await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname } });
    const { name, value } = added.body!.verification as { name: string; value: string };
    dns.txt.set(name, [value]);
    await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: hostname } });
    expect((await findTenantByHostname(hostname))?.slug).toBe(slug);
    expect((await call(domainRoute.DELETE, "DELETE", tokens.owner, { params: { name: hostname } })).status).toBe(204);
    expect(await findTenantByHostname(hostname)).toBeNull();
    expect(await redis().get(mirrorKeys.domain(hostname))).toBeNull();
    const [removed] = await tenantDb(slug).auditLog.findMany({ where: { action: "domain.removed", targetId: hostname } });
    expect(removed!.metadata).toMatchObject({ before: { verified: true }, after: null });
  });

  it("answers 503 when DNS cannot be asked, and the domain stays pending", async () => {
    const hostname = host("dnsdown");
    await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname } });
    const down = await startDnsServer();
    const port = down.port;
    await down.close(); // nothing listens there now
    process.env.DNS_RESOLVERS = `127.0.0.1:${port}`;
    resetEnvCache();
    try {
      const res = await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: hostname } });
      expect(res.status).toBe(503);
      expect(res.body!.reason).toBe("dns_unavailable");
    } finally {
      process.env.DNS_RESOLVERS = dns.address;
      resetEnvCache();
    }
    expect(await findTenantByHostname(hostname)).toBeNull();
  });
});

describe("pending domain claims expire", () => {
  // The claim's age is set in the database: the clock of record is PostgreSQL's now().
  const age = (hostname: string, interval: string) =>
    platformDb().$executeRawUnsafe(`UPDATE public.domains SET created_at = now() - $2::interval WHERE hostname = $1`, hostname, interval);
  const expired = `${pendingClaimDays} days 1 minute`;
  const domainAudits = (s: string, hostname: string) =>
    tenantDb(s).auditLog.findMany({ where: { targetType: "domain", targetId: hostname }, orderBy: { seq: "asc" } });

  it("says when a pending claim expires; an expired one is not verified even with its record published (409, re-add)", async () => {
    const hostname = host("lapsed");
    const added = await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname } });
    expect(added.status).toBe(201);
    const createdAt = new Date(String(added.body!.createdAt));
    expect(new Date(String(added.body!.expiresAt)).getTime()).toBe(createdAt.getTime() + pendingClaimDays * 86_400_000);
    expect(added.body!.expired).toBe(false);
    const record = added.body!.verification as { name: string; value: string };
    dns.txt.set(record.name, [record.value]);

    await age(hostname, expired);
    const listed = ((await call(domainsRoute.GET, "GET", tokens.owner)).body!.data as { hostname: string; expired: boolean }[]).find(
      (d) => d.hostname === hostname,
    );
    expect(listed).toMatchObject({ expired: true });
    const res = await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: hostname } });
    expect(res.status).toBe(409);
    expect(res.type).toContain("application/problem+json");
    expect(res.body!.reason).toBe("domain_claim_expired");
    expect(String(res.body!.detail)).toMatch(/expired.*add it again/);
    expect(await findTenantByHostname(hostname)).toBeNull();
    expect((await call(domainRoute.GET, "GET", tokens.owner, { params: { name: hostname } })).body).toMatchObject({ verified: false });

    // Added again: a new claim with a new token, which verifies.
    const again = await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname } });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ expired: false, verified: false });
    const fresh = again.body!.verification as { name: string; value: string };
    expect(fresh.value).not.toBe(record.value);
    dns.txt.set(fresh.name, [fresh.value]);
    expect((await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: hostname } })).status).toBe(200);
    expect((await findTenantByHostname(hostname))?.slug).toBe(slug);
  });

  it("an unexpired claim still holds the name against another tenant", async () => {
    const hostname = host("held");
    expect((await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname } })).status).toBe(201);
    await age(hostname, `${pendingClaimDays - 1} days 23 hours`);
    const taken = await call(domainsRoute.POST, "POST", tokens.otherOwner, { body: { hostname }, tenant: other });
    expect(taken.status).toBe(409);
    expect(taken.body!.reason).toBe("domain_taken");
    expect((await call(domainRoute.GET, "GET", tokens.owner, { params: { name: hostname } })).status).toBe(200);
  });

  it("an expired claim gives way to another tenant: the new claim wins, both trails say so, the first tenant no longer has it", async () => {
    const hostname = host("squat");
    expect((await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname } })).status).toBe(201);
    await age(hostname, expired);

    const theirs = await call(domainsRoute.POST, "POST", tokens.otherOwner, { body: { hostname }, tenant: other });
    expect(theirs.status).toBe(201);
    expect(theirs.body).toMatchObject({ hostname, verified: false, expired: false });
    const record = theirs.body!.verification as { name: string; value: string };

    // Gone from the first tenant: not listed, not verifiable, not removable; re-adding is refused (the new claim holds).
    const ours = (await call(domainsRoute.GET, "GET", tokens.owner)).body!.data as { hostname: string }[];
    expect(ours.map((d) => d.hostname)).not.toContain(hostname);
    expect((await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: hostname } })).status).toBe(404);
    expect((await call(domainRoute.DELETE, "DELETE", tokens.owner, { params: { name: hostname } })).status).toBe(404);
    expect((await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname } })).status).toBe(409);

    // The first tenant's trail: added, then expired (by the system, naming no other tenant).
    const first = await domainAudits(slug, hostname);
    expect(first.map((a) => a.action)).toEqual(["domain.added", "domain.expired"]);
    expect(first[1]).toMatchObject({ actorType: "system" });
    expect(first[1]!.summary).not.toContain(other);
    // The new owner's trail: added, replacing an expired claim (whose, it does not say).
    const second = await domainAudits(other, hostname);
    expect(second.map((a) => a.action)).toEqual(["domain.added"]);
    expect(second[0]!.metadata).toMatchObject({ replacedExpiredClaim: true });
    expect(second[0]!.summary).not.toContain(slug);

    // The new claim verifies for its tenant, and routes there.
    dns.txt.set(record.name, [record.value]);
    expect((await call(verifyRoute.POST, "POST", tokens.otherOwner, { params: { name: hostname }, tenant: other })).status).toBe(200);
    expect((await findTenantByHostname(hostname))?.slug).toBe(other);
  });

  it("a verified domain never expires", async () => {
    const hostname = host("kept");
    const added = await call(domainsRoute.POST, "POST", tokens.owner, { body: { hostname } });
    const record = added.body!.verification as { name: string; value: string };
    dns.txt.set(record.name, [record.value]);
    expect((await call(verifyRoute.POST, "POST", tokens.owner, { params: { name: hostname } })).status).toBe(200);
    await age(hostname, "30 days");
    expect((await call(domainRoute.GET, "GET", tokens.owner, { params: { name: hostname } })).body).toMatchObject({
      verified: true,
      expiresAt: null,
      expired: false,
    });
    expect((await call(domainsRoute.POST, "POST", tokens.otherOwner, { body: { hostname }, tenant: other })).status).toBe(409);
    expect((await findTenantByHostname(hostname))?.slug).toBe(slug);
  });
});
