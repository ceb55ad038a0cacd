// Every 403 goes through one audited path (lib/http/guard.ts recordDenial, called by
// the request wrappers and the page guard): escalation attempts through the real
// route handlers answer 403 and leave exactly one auth.permission_denied row saying
// who tried what, which the compliance report counts. A source scan keeps it so.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as apiKeysRoute from "@/app/api/v1/api-keys/route";
import * as userRoute from "@/app/api/v1/users/[id]/route";
import * as usersRoute from "@/app/api/v1/users/route";
import { auditActions } from "@/lib/audit/actions";
import { complianceReport } from "@/lib/audit/report";
import { issueTokensForPassword } from "@/lib/auth/sign-in-flow";
import { closePool, getPool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { addUser, meta, tenantWithOwner, testPassword } from "./support/auth";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("deny");
const other = uniqueSlug("deny2");
const settings = defaultTenantSettings();
let from: Date;
let ownerId: string;
let adminId: string;
let viewerId: string;
let adminToken: string;
let viewerToken: string;

async function tokenFor(email: string): Promise<string> {
  const { pair } = await issueTokensForPassword(slug, settings, { email, password: testPassword }, meta());
  return pair.access_token;
}

type Route = (request: Request, route: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

async function call(handler: Route, method: string, path: string, token: string, body?: unknown, params: Record<string, string> = {}): Promise<Response> {
  const request = new Request(`http://${slug}.localhost${path}`, {
    method,
    headers: { [internalHeaders.tenant]: slug, authorization: `Bearer ${token}`, "content-type": "application/json", "user-agent": "denial-test" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return handler(request, { params: Promise.resolve(params) });
}

async function denials(s: string) {
  return tenantDb(s).auditLog.findMany({ where: { action: auditActions.permissionDenied }, orderBy: { seq: "asc" } });
}

/** Runs an attempt; expects 403 and exactly one new denial row, which it returns. */
async function deniedOnce(attempt: () => Promise<Response>) {
  const before = (await denials(slug)).length;
  const res = await attempt();
  expect(res.status).toBe(403);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const rows = await denials(slug);
  expect(rows.length - before).toBe(1);
  return { row: rows.at(-1)!, problem: (await res.json()) as { reason?: string } };
}

beforeAll(async () => {
  await tenantWithOwner(slug);
  await tenantWithOwner(other);
  from = new Date(Date.now() - 1000);
  ownerId = (await tenantDb(slug).user.findFirstOrThrow({ where: { role: "owner" } })).id;
  adminId = await addUser(slug, `admin@${slug}.test`, "admin");
  viewerId = await addUser(slug, `viewer@${slug}.test`, "viewer");
  adminToken = await tokenFor(`admin@${slug}.test`);
  viewerToken = await tokenFor(`viewer@${slug}.test`);
});

afterAll(async () => {
  await dropTenantsQuietly([slug, other]);
  await closePool();
});

describe("escalation attempts are refused and audited once", () => {
  it("an admin making itself owner", async () => {
    const { row, problem } = await deniedOnce(() => call(userRoute.PATCH, "PATCH", `/api/v1/users/${adminId}`, adminToken, { role: "owner" }, { id: adminId }));
    expect(problem.reason).toBe("owner_only");
    expect(row).toMatchObject({ actorType: "user", actorId: adminId, actorLabel: `admin@${slug}.test`, userAgent: "denial-test" });
    expect(row.metadata).toMatchObject({ what: `PATCH /api/v1/users/${adminId}`, reason: "owner_only" });
    expect(row.summary).toContain(`admin@${slug}.test was denied PATCH /api/v1/users/${adminId}`);
    expect((await tenantDb(slug).user.findUniqueOrThrow({ where: { id: adminId } })).role).toBe("admin");
  });

  it("an admin demoting the owner", async () => {
    const { row } = await deniedOnce(() => call(userRoute.PATCH, "PATCH", `/api/v1/users/${ownerId}`, adminToken, { role: "member" }, { id: ownerId }));
    expect(row).toMatchObject({ actorId: adminId });
    expect(row.metadata).toMatchObject({ what: `PATCH /api/v1/users/${ownerId}`, reason: "owner_only" });
    expect((await tenantDb(slug).user.findUniqueOrThrow({ where: { id: ownerId } })).role).toBe("owner");
  });

  it("an admin deleting the owner", async () => {
    const { row } = await deniedOnce(() => call(userRoute.DELETE, "DELETE", `/api/v1/users/${ownerId}`, adminToken, undefined, { id: ownerId }));
    expect(row).toMatchObject({ actorId: adminId });
    expect(row.metadata).toMatchObject({ what: `DELETE /api/v1/users/${ownerId}`, reason: "owner_only" });
    expect(await tenantDb(slug).user.count({ where: { id: ownerId } })).toBe(1);
  });

  it("an admin inviting a new owner", async () => {
    const { row } = await deniedOnce(() => call(usersRoute.POST, "POST", "/api/v1/users", adminToken, { email: `new@${slug}.test`, role: "owner" }));
    expect(row.metadata).toMatchObject({ what: "POST /api/v1/users", reason: "owner_only" });
    expect(await tenantDb(slug).user.count({ where: { email: `new@${slug}.test` } })).toBe(0);
  });

  it("an admin minting a key with scopes it does not hold", async () => {
    const { row, problem } = await deniedOnce(() =>
      call(apiKeysRoute.POST, "POST", "/api/v1/api-keys", adminToken, { name: "escalate", scopes: ["members:read", "settings:write"] }),
    );
    expect(problem.reason).toBe("scope_not_held");
    expect(row).toMatchObject({ actorId: adminId });
    expect(row.metadata).toMatchObject({ what: "POST /api/v1/api-keys", reason: "scope_not_held" });
    expect(row.summary).toContain("settings:write");
    expect(await tenantDb(slug).apiKey.count({ where: { name: "escalate" } })).toBe(0);
  });

  it("a role without the permission (the guard's own denial) is recorded once, not twice", async () => {
    const { row } = await deniedOnce(() => call(apiKeysRoute.POST, "POST", "/api/v1/api-keys", viewerToken, { name: "v", scopes: ["members:read"] }));
    expect(row).toMatchObject({ actorId: viewerId });
    expect(row.metadata).toMatchObject({ what: "POST /api/v1/api-keys", reason: "permission_denied" });
  });

  it("the compliance report counts them; the other tenant's log has none", async () => {
    const report = await complianceReport(getPool(), slug, { from, to: new Date(Date.now() + 1000) });
    expect(report.permissionDenials).toBe((await denials(slug)).length);
    expect(report.permissionDenials).toBeGreaterThanOrEqual(6);
    expect(await denials(other)).toHaveLength(0);
  });
});

describe("one audited path for every 403 (source scan)", () => {
  const root = join(__dirname, "..");
  function files(dir: string): string[] {
    return readdirSync(join(root, dir)).flatMap((name) => {
      const rel = join(dir, name);
      if (statSync(join(root, rel)).isDirectory()) return files(rel);
      return /\.(ts|tsx)$/.test(name) ? [rel] : [];
    });
  }
  const sources = [...files("app"), ...files("lib"), "middleware.ts"].map((f) => ({ f, text: readFileSync(join(root, f), "utf8") }));

  it("next/navigation's forbidden() is called only by the page guard, after recordDenial", () => {
    const users = sources.filter(({ text }) => /\bforbidden\(\)/.test(text)).map(({ f }) => f);
    expect(users).toEqual(["lib/http/page-principal.ts"]);
  });

  it("every route handler that can answer 403 outside the wrapper audits it (the rest use withTenant/withPrincipal, or withOperator on the console)", () => {
    // The operator console's wrapper audits its 403s in the platform audit log.
    const operatorWrapper = sources.find(({ f }) => f === "lib/http/with-operator.ts")!.text;
    expect(operatorWrapper).toMatch(/err\.code === "forbidden"\) await auditRefusal\(/);
    const routes = sources.filter(({ f }) => /(^|\/)route\.ts$/.test(f));
    const unwrapped = routes.filter(({ text }) => !/\bwith(Tenant|Principal|Operator)\(/.test(text));
    for (const { f, text } of unwrapped) {
      if (/AppError\(\s*"forbidden"/.test(text) || text.includes("requirePagePrincipal(")) expect(text, f).toContain("recordDenial(");
    }
  });

  it("every server action goes through tenantAction or publicTenantAction", () => {
    for (const { f, text } of sources.filter(({ text }) => /^["']use server["']/m.test(text))) {
      expect(text.match(/^export (async )?function/m), `${f} exports a bare server action`).toBeNull();
    }
  });
});
