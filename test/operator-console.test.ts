// The operator console's domain against real PostgreSQL and Redis: tenant creation with
// the owner invited, status changes and their rules, domains, the list's counts (members,
// webhooks from the inbox, API requests from the rate-limit script's tally), the detail
// page's health, tenant isolation, and the platform audit log: every action in it,
// atomically, hash-chained, verified, exported, and tampering detected.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { platformAuditLog } from "@/lib/audit/audit-table";
import { sealNow } from "@/lib/audit/seal-chain";
import type { AuditContext } from "@/lib/audit/context";
import { verifyExportLines } from "@/lib/audit/verify-export";
import { deliverOwnerInvitation } from "@/lib/console/owner-invitation";
import {
  addTenantDomain,
  changeTenantStatus,
  createTenantAsOperator,
  removeTenantDomain,
  setPrimaryTenantDomain,
  verifyTenantDomain,
} from "@/lib/console/tenant-actions";
import { searchTenants } from "@/lib/console/tenant-overview";
import { tenantDetail } from "@/lib/console/tenant-health";
import { closePool, getPool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { AppError, type ErrorCode } from "@/lib/errors/app-error";
import { invitationEmail } from "@/lib/members/members";
import { startPlatformAuditExport, verifyPlatformAudit } from "@/lib/platform-audit/chain";
import { listPlatformAudit } from "@/lib/platform-audit/read";
import { takeLimits } from "@/lib/ratelimit/hot-limits";
import { tenantApiBucket } from "@/lib/ratelimit/request-limits";
import { findTenantBySlug } from "@/lib/tenancy/find-tenant";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { collect, tamper } from "./support/audit";
import { linkIn, waitForMail } from "./support/mail";
import { runScript } from "./support/cli";
import { secondCluster } from "./support/clusters";
import { startDnsServer, type TestDnsServer } from "./support/dns-server";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const operator: AuditContext = { actorType: "operator", actorId: "00000000-0000-4000-8000-000000000001", actorLabel: "ops@ops.test", requestId: "req-console" };
const created = new Set<string>();
let raw: pg.Client;
let dns: TestDnsServer;

async function appErrorOf(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

async function newTenant(name = "Console Test") {
  const slug = uniqueSlug("oc");
  created.add(slug);
  const t = await createTenantAsOperator({ slug, name, ownerEmail: `owner@${slug}.test` }, operator);
  return t;
}

async function platformRows(
  targetId: string,
): Promise<{ action: string; actor_type: string; actor_label: string; metadata: Record<string, unknown> | null }[]> {
  const { rows } = await raw.query(`SELECT action, actor_type, actor_label, metadata FROM platform_audit.audit_log WHERE target_id = $1 ORDER BY seq`, [
    targetId,
  ]);
  return rows;
}

/**
 * Sealing waits until no older transaction is running anywhere on the server (other
 * test runs share it): give it longer than verification's own 2 s before checking.
 */
async function sealed(ref: Parameters<typeof sealNow>[0]): Promise<void> {
  expect((await sealNow(ref, { timeoutMs: 60_000 })).complete, "sealing waited 60 s for older transactions on the server").toBe(true);
}

const hostname = () => `shop-${randomBytes(4).toString("hex")}.example.test`;

beforeAll(async () => {
  raw = await rawClient();
  // Domain verification asks a DNS server of the test's own.
  dns = await startDnsServer();
  process.env.DNS_RESOLVERS = dns.address;
  resetEnvCache();
});

afterAll(async () => {
  delete process.env.DNS_RESOLVERS;
  resetEnvCache();
  await dns?.close();
  await dropTenantsQuietly(created);
  await raw?.end();
  await closePool();
});

describe("tenant actions", () => {
  it("creates a tenant with its owner invited, audited in the platform log and the tenant's, in one transaction", async () => {
    const t = await newTenant();
    expect((await findTenantBySlug(t.slug))?.status).toBe("active");
    expect(await invitationEmail(t.slug, t.ownerInvitationToken)).toBe(`owner@${t.slug}.test`);
    const rows = await platformRows(t.slug);
    expect(rows.map((r) => r.action)).toEqual(["tenant.created"]);
    expect(rows[0]).toMatchObject({ actor_type: "operator", actor_label: "ops@ops.test" });
    // The owner's row in the tenant's own log names the operator.
    const owner = await raw.query(`SELECT actor_type, actor_label FROM "tenant_${t.slug.replaceAll("-", "_")}".audit_log WHERE action = 'user.created'`);
    expect(owner.rows[0]).toEqual({ actor_type: "operator", actor_label: "ops@ops.test" });

    // A second create with the same slug: 409, and no platform audit row for it.
    const before = (await platformRows(t.slug)).length;
    await appErrorOf(createTenantAsOperator({ slug: t.slug, name: "Again", ownerEmail: "x@y.test" }, operator), "conflict");
    expect((await platformRows(t.slug)).length).toBe(before);
  });

  it("emails the owner's invitation through lib/mail; when it cannot be sent, the link comes back for the operator", async () => {
    const t = await newTenant("Mailed Co");
    const link = `http://${t.slug}.localhost:3000/invite/${t.ownerInvitationToken}`;
    const to = `owner@${t.slug}.test`;
    expect(await deliverOwnerInvitation({ email: to, tenantName: t.name, link })).toEqual({ email: to, emailed: true });
    const mail = await waitForMail(to, { subject: /invited to run Mailed Co/ });
    expect(linkIn(mail, /\/invite\//)).toBe(link);
    const failed = await deliverOwnerInvitation({ email: "not an address", tenantName: t.name, link });
    expect(failed).toMatchObject({ emailed: false, link, reason: expect.stringMatching(/invalid message/) });
  });

  it("suspends, resumes and archives with before and after audited; a change the status does not allow is a 409, an unknown tenant a 404", async () => {
    const t = await newTenant();
    expect((await changeTenantStatus(t.slug, "suspend", operator)).status).toBe("suspended");
    await appErrorOf(changeTenantStatus(t.slug, "suspend", operator), "conflict");
    expect((await changeTenantStatus(t.slug, "resume", operator)).status).toBe("active");
    await appErrorOf(changeTenantStatus(t.slug, "resume", operator), "conflict");
    expect((await changeTenantStatus(t.slug, "archive", operator)).status).toBe("archived");
    await appErrorOf(changeTenantStatus(t.slug, "resume", operator), "conflict");
    await appErrorOf(changeTenantStatus(t.slug, "archive", operator), "conflict");
    await appErrorOf(changeTenantStatus(uniqueSlug("none"), "suspend", operator), "not_found");
    const rows = await platformRows(t.slug);
    expect(rows.map((r) => r.action)).toEqual(["tenant.created", "tenant.suspended", "tenant.resumed", "tenant.archived"]);
    expect(rows[1]!.metadata).toEqual({ before: { status: "active" }, after: { status: "suspended" } });
    expect(rows[3]!.metadata).toEqual({ before: { status: "active" }, after: { status: "archived" } });
  });

  it("domains: added pending with a TXT record, verified by DNS, made primary, removed; each in the platform log and the tenant's trail", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const host = hostname();
    const pending = await addTenantDomain(a.slug, { hostname: host }, operator);
    expect(pending).toMatchObject({ hostname: host, verified: false, primary: false });
    // Not published yet: 422; a pending domain cannot be primary: 409.
    await appErrorOf(verifyTenantDomain(a.slug, host, operator), "unprocessable");
    await appErrorOf(setPrimaryTenantDomain(a.slug, host, operator), "conflict");
    dns.txt.set(pending.verification!.name.toLowerCase(), [pending.verification!.value]);
    expect(await verifyTenantDomain(a.slug, host, operator)).toMatchObject({ verified: true });
    expect(await setPrimaryTenantDomain(a.slug, host, operator)).toMatchObject({ primary: true });
    // Another tenant: the hostname is taken (409) and not theirs to remove (404).
    await appErrorOf(addTenantDomain(b.slug, { hostname: host, verified: true }, operator), "conflict");
    await appErrorOf(removeTenantDomain(b.slug, host, operator), "not_found");
    await removeTenantDomain(a.slug, host, operator);
    expect((await platformRows(host)).map((r) => r.action)).toEqual(["domain.added", "domain.verified", "domain.primary_set", "domain.removed"]);
    expect((await platformRows(host)).every((r) => r.actor_label === "ops@ops.test")).toBe(true);
    // The tenant's own trail names the operator too.
    const trail = await raw.query(`SELECT action, actor_type FROM "tenant_${a.slug.replaceAll("-", "_")}".audit_log WHERE target_id = $1 ORDER BY seq`, [host]);
    expect(trail.rows).toEqual([
      { action: "domain.added", actor_type: "operator" },
      { action: "domain.verified", actor_type: "operator" },
      { action: "domain.primary_set", actor_type: "operator" },
      { action: "domain.removed", actor_type: "operator" },
    ]);
    // An operator may add a domain as verified: it routes at once.
    const direct = await addTenantDomain(b.slug, { hostname: hostname(), verified: true, primary: true }, operator);
    expect(direct).toMatchObject({ verified: true, primary: true, verification: null });
    await appErrorOf(addTenantDomain(a.slug, { hostname: "app.localhost" }, operator), "bad_request");
  });

  it("a tenant on the second database cluster: its audit event in the platform log, its counts and chain read from its cluster", async () => {
    const slug = uniqueSlug("oc2");
    created.add(slug);
    const t = await createTenantAsOperator({ slug, name: "Far Away", ownerEmail: `owner@${slug}.test`, cluster: secondCluster() }, operator);
    expect(t.cluster).toBe(secondCluster());
    expect((await platformRows(slug)).map((r) => r.action)).toEqual(["tenant.created"]);
    const found = await searchTenants({ q: slug, page: 1 });
    expect(found.tenants[0]).toMatchObject({ slug, members: 1, webhooks24h: 0 });
    await sealed(slug);
    expect((await tenantDetail(slug, { verifyAudit: true })).audit.verification).toMatchObject({ ok: true });
    await appErrorOf(
      createTenantAsOperator({ slug: uniqueSlug("oc3"), name: "Nowhere", ownerEmail: "o@n.test", cluster: "no-such-cluster" }, operator),
      "bad_request",
    );
  });

  it("an action on one tenant leaves another untouched", async () => {
    const a = await newTenant();
    const b = await newTenant();
    await changeTenantStatus(a.slug, "suspend", operator);
    expect((await findTenantBySlug(b.slug))?.status).toBe("active");
    expect((await platformRows(b.slug)).map((r) => r.action)).toEqual(["tenant.created"]);
  });
});

describe("tenant list and detail", { timeout: 120_000 }, () => {
  it("searches by slug, name and status and counts members, webhooks and API requests of the last 24 h", async () => {
    const marker = randomBytes(3).toString("hex");
    const a = await newTenant(`Searchable ${marker}`);
    const b = await newTenant(`Other ${marker}`);
    await changeTenantStatus(b.slug, "suspend", operator);
    // Three API requests through the rate-limit script (what every /api request does).
    for (let i = 0; i < 3; i++) await takeLimits([tenantApiBucket(a.slug, defaultTenantSettings())]);

    const byName = await searchTenants({ q: `searchable ${marker}`, page: 1 });
    expect(byName.tenants.map((t) => t.slug)).toEqual([a.slug]);
    expect(byName.tenants[0]).toMatchObject({ members: 1, webhooks24h: 0, apiRequests24h: 3, status: "active" });
    const suspended = await searchTenants({ q: marker, status: "suspended", page: 1 });
    expect(suspended.tenants.map((t) => t.slug)).toEqual([b.slug]);
    expect(suspended.tenants[0]!.apiRequests24h).toBe(0);
    // LIKE wildcards in the search are literal.
    expect((await searchTenants({ q: "%", page: 1 })).tenants.every((t) => t.slug.includes("%") || t.name.includes("%"))).toBe(true);
  });

  it("the detail shows health: dead letters, integrations and a verified audit chain", async () => {
    const t = await newTenant();
    await sealed(t.slug);
    const d = await tenantDetail(t.slug, { verifyAudit: true });
    expect(d.tenant.slug).toBe(t.slug);
    expect(d.deadLetters).toBe(0);
    expect(d.integrations).toEqual([]);
    expect(d.audit.verification?.ok).toBe(true);
    expect(d.audit.verification?.rowsChecked).toBeGreaterThan(0);
    await appErrorOf(tenantDetail(uniqueSlug("none")), "not_found");
  });
});

describe("the platform audit log", { timeout: 180_000 }, () => {
  it("is chained and verifies, lists newest first, and exports a sealed file that verifies offline", async () => {
    await newTenant();
    await sealed(platformAuditLog);
    const report = await verifyPlatformAudit();
    expect(report).toMatchObject({ ok: true, unsealed: 0 });
    expect(report.rowsChecked).toBeGreaterThan(0);
    const page = await listPlatformAudit({ action: "tenant." });
    expect(page.rows.length).toBeGreaterThan(0);
    expect(page.rows.every((r) => r.action.startsWith("tenant.") && r.sealed)).toBe(true);
    expect(BigInt(page.rows[0]!.seq)).toBeGreaterThan(BigInt(page.rows[page.rows.length - 1]!.seq));

    const lines = await collect(await startPlatformAuditExport(operator, { format: "jsonl" }));
    const header = JSON.parse(lines[0]!) as { export: { tenant: string } };
    expect(header.export.tenant).toBe(platformAuditLog.label);
    const offline = await verifyExportLines(lines.join("").split("\n").filter(Boolean));
    expect(offline.ok).toBe(true);
    // The export recorded itself.
    expect((await listPlatformAudit({ action: "audit.exported" })).rows[0]?.summary).toMatch(/exported as jsonl/);
  });

  it("refuses UPDATE and DELETE to the application, and detects a row edited or removed behind its back", async () => {
    const t = await newTenant();
    const { rows } = await raw.query<{ seq: string; summary: string }>(`SELECT seq::text, summary FROM platform_audit.audit_log WHERE target_id = $1`, [
      t.slug,
    ]);
    const row = rows[0]!;
    await sealed(platformAuditLog);
    await expect(raw.query(`UPDATE platform_audit.audit_log SET summary = 'x' WHERE seq = $1`, [row.seq])).rejects.toThrow(/immutable/);
    await expect(raw.query(`DELETE FROM platform_audit.audit_log WHERE seq = $1`, [row.seq])).rejects.toThrow(/immutable/);

    // Edited with triggers off (as a superuser could): the walk names the row; restored, it verifies again.
    await tamper(raw, `UPDATE platform_audit.audit_log SET summary = 'nothing happened' WHERE seq = $1`, [row.seq]);
    try {
      const broken = await verifyPlatformAudit();
      expect(broken.ok).toBe(false);
      expect(broken.firstBroken).toEqual({ seq: row.seq, problem: expect.stringMatching(/changed after it was written/) });
      const cli = await runScript("scripts/operators.ts", ["audit", "verify"]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain(`CHAIN BROKEN at seq ${row.seq}`);
    } finally {
      await tamper(raw, `UPDATE platform_audit.audit_log SET summary = $2 WHERE seq = $1`, [row.seq, row.summary]);
    }
    expect((await verifyPlatformAudit()).ok).toBe(true);

    // Removed (and put back): the gap is reported.
    // Kept aside in SQL (exact microseconds and jsonb text), removed, then put back.
    await raw.query(`CREATE TEMP TABLE saved_row AS SELECT * FROM platform_audit.audit_log WHERE seq = $1`, [row.seq]);
    await tamper(raw, `DELETE FROM platform_audit.audit_log WHERE seq = $1`, [row.seq]);
    try {
      const gap = await verifyPlatformAudit();
      expect(gap.ok).toBe(false);
      expect(gap.firstBroken?.problem).toMatch(/missing/);
    } finally {
      await tamper(raw, `INSERT INTO platform_audit.audit_log SELECT * FROM saved_row`);
      await raw.query(`DROP TABLE saved_row`);
    }
    const ok = await runScript("scripts/operators.ts", ["audit", "verify"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/chain intact/);
  });

  it("a failed action writes nothing to the platform log", async () => {
    const before = (await getPool().query<{ n: string }>(`SELECT count(*)::text AS n FROM platform_audit.audit_log`)).rows[0]!.n;
    await appErrorOf(changeTenantStatus(uniqueSlug("none"), "archive", operator), "not_found");
    await appErrorOf(addTenantDomain(uniqueSlug("none"), { hostname: hostname() }, operator), "not_found");
    const after = (await getPool().query<{ n: string }>(`SELECT count(*)::text AS n FROM platform_audit.audit_log`)).rows[0]!.n;
    expect(after).toBe(before);
  });
});
