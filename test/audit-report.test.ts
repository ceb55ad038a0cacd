// The compliance report over a period, against real rows, and the CLI that prints it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditActions } from "@/lib/audit/actions";
import { complianceReport, reportQuerySchema } from "@/lib/audit/report";
import { recordEvent, withAudit } from "@/lib/audit/with-audit";
import { closePool, getPool } from "@/lib/db/pool";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { runScript } from "./support/cli";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("rep");
const other = uniqueSlug("rep-other");
const alice = { actorType: "user" as const, actorId: "u-alice", actorLabel: "alice@rep.test" };
const key = { actorType: "api_key" as const, actorId: "k-1", actorLabel: "ci key" };
let from: Date;
let to: Date;

beforeAll(async () => {
  await createTenant({ slug, name: "Report Co" });
  await createTenant({ slug: other, name: "Other Co" });
  from = new Date(Date.now() - 1000);
  for (let i = 0; i < 3; i++) await recordEvent(slug, { actorType: "anonymous" }, { action: auditActions.signInFailed, summary: `failed sign-in ${i}` });
  await recordEvent(slug, { actorType: "system" }, { action: auditActions.lockedOut, summary: "alice locked out" });
  await recordEvent(slug, key, { action: auditActions.permissionDenied, summary: "ci key may not write members" });
  await recordEvent(slug, alice, { action: "membership.role_changed", targetType: "user", targetId: "u-bob", summary: "bob is now admin" });
  await recordEvent(slug, alice, { action: "api_key.created", targetType: "api_key", targetId: "k-2", summary: "api key k-2 created" });
  await recordEvent(slug, alice, { action: "integration.updated", targetType: "integration", targetId: "i-1", summary: "integration i-1 paused" });
  await withAudit(slug, alice, (tx) => tx.organization.create({ data: { name: "Reported Org" } }));
  // Noise that must not be counted: another tenant, and a decoy whose '_' is not a wildcard.
  await recordEvent(other, alice, { action: auditActions.signInFailed, summary: "other tenant" });
  await recordEvent(slug, alice, { action: "apixkey.created", summary: "decoy" });
  to = new Date(Date.now() + 1000);
});

afterAll(async () => {
  await dropTenantsQuietly([slug, other]);
  await closePool();
});

describe("complianceReport", () => {
  it("counts by action and actor, and lists sensitive changes", async () => {
    const report = await complianceReport(getPool(), slug, { from, to });
    expect(report.totalEvents).toBe(10);
    expect(report.signInFailures).toBe(3);
    expect(report.lockouts).toBe(1);
    expect(report.permissionDenials).toBe(1);
    expect(report.byAction[0]).toEqual({ action: auditActions.signInFailed, count: 3 });
    expect(report.byAction).toContainEqual({ action: "organization.created", count: 1 });
    expect(report.byActor).toContainEqual({ actorType: "user", actorId: "u-alice", actorLabel: "alice@rep.test", count: 5 });
    expect(report.byActor).toContainEqual({ actorType: "api_key", actorId: "k-1", actorLabel: "ci key", count: 1 });
    expect(report.changes.roles.map((c) => c.summary)).toEqual(["bob is now admin"]);
    expect(report.changes.apiKeys.map((c) => c.summary)).toEqual(["api key k-2 created"]);
    expect(report.changes.integrations.map((c) => c.summary)).toEqual(["integration i-1 paused"]);
  });

  it("only counts the period asked for", async () => {
    const report = await complianceReport(getPool(), slug, { from: new Date(to.getTime() + 60_000), to: new Date(to.getTime() + 120_000) });
    expect(report).toMatchObject({ totalEvents: 0, signInFailures: 0, byAction: [], changes: { roles: [], apiKeys: [], integrations: [] } });
  });

  it("refuses a period that ends before it starts, or is missing", () => {
    expect(reportQuerySchema.safeParse({ from: to, to: from }).success).toBe(false);
    expect(reportQuerySchema.safeParse({ from }).success).toBe(false);
  });

  it("prints through npm run audit:report, and exits 2 on a bad period", { timeout: 60_000 }, async () => {
    const ok = await runScript("scripts/audit.ts", ["report", slug, "--from", from.toISOString(), "--to", to.toISOString(), "--json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ totalEvents: 10, signInFailures: 3 });
    const bad = await runScript("scripts/audit.ts", ["report", slug, "--from", "yesterday-ish"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: Invalid report period: /);
  });
});
