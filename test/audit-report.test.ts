// The compliance report over a period, against real rows, and the CLI that prints it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditActions } from "@/lib/audit/actions";
import { changeCondition, complianceReport, reportQuerySchema } from "@/lib/audit/report";
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
let bobId: string;
let apiKeyId: string;

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
  // Role changes as the members code makes them: row changes of users (created with a
  // role, role updated, removed). A name-only update is not a role change.
  const bob = await withAudit(slug, alice, (tx) => tx.user.create({ data: { email: "bob@rep.test", role: "member" } }));
  bobId = bob.id;
  await withAudit(slug, alice, (tx) => tx.user.update({ where: { id: bob.id }, data: { role: "admin" } }));
  await withAudit(slug, alice, (tx) => tx.user.update({ where: { id: bob.id }, data: { name: "Bob" } }));
  await withAudit(slug, alice, (tx) => tx.user.delete({ where: { id: bob.id } }));
  // API key changes as the keys code makes them: row changes of api_keys; their use is not a change.
  const apiKey = await withAudit(slug, alice, (tx) =>
    tx.apiKey.create({ data: { name: "deploy", prefix: `rep${Date.now()}`, keyHash: "x".repeat(64), scopes: [] } }),
  );
  apiKeyId = apiKey.id;
  await withAudit(slug, alice, (tx) => tx.apiKey.update({ where: { id: apiKey.id }, data: { revokedAt: new Date() } }));
  await recordEvent(slug, key, { action: auditActions.apiKeyUsed, targetType: "api_key", targetId: apiKey.id, summary: "deploy key used" });
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
    expect(report.totalEvents).toBe(17);
    expect(report.signInFailures).toBe(3);
    expect(report.lockouts).toBe(1);
    expect(report.permissionDenials).toBe(1);
    expect(report.byAction[0]).toEqual({ action: auditActions.signInFailed, count: 3 });
    expect(report.byAction).toContainEqual({ action: "organization.created", count: 1 });
    expect(report.byAction).toContainEqual({ action: "user.updated", count: 2 });
    expect(report.byActor).toContainEqual({ actorType: "user", actorId: "u-alice", actorLabel: "alice@rep.test", count: 11 });
    expect(report.byActor).toContainEqual({ actorType: "api_key", actorId: "k-1", actorLabel: "ci key", count: 2 });
    expect(report.changes.integrations.map((c) => c.summary)).toEqual(["integration i-1 paused"]);
  });

  it("lists role changes: members added and removed, role updates, explicit role events; not name changes", async () => {
    const { roles } = (await complianceReport(getPool(), slug, { from, to })).changes;
    expect(roles.map((c) => [c.action, c.targetId])).toEqual([
      ["user.deleted", bobId],
      ["user.updated", bobId],
      ["user.created", bobId],
      ["membership.role_changed", "u-bob"],
    ]);
    expect(roles[1]!.changes).toEqual({ role: { before: "member", after: "admin" } });
    expect(roles[2]!.changes).toMatchObject({ email: "bob@rep.test", role: "member" });
    expect(roles[0]!.changes).toMatchObject({ email: "bob@rep.test", role: "admin", name: "Bob" });
    expect(roles[1]).toMatchObject({ actorLabel: "alice@rep.test", targetType: "user" });
  });

  it("lists API key changes (row changes and explicit events), not their use or look-alike actions", async () => {
    const { apiKeys } = (await complianceReport(getPool(), slug, { from, to })).changes;
    expect(apiKeys.map((c) => [c.action, c.targetId])).toEqual([
      ["api_key.updated", apiKeyId],
      ["api_key.created", apiKeyId],
      ["api_key.created", "k-2"],
    ]);
    expect(apiKeys[0]!.changes).toMatchObject({ revoked_at: { before: null, after: expect.any(String) } });
    expect(apiKeys[1]!.changes).toMatchObject({ name: "deploy", key_hash: "[redacted]" });
  });

  it("builds each rule's condition from exact actions, escaped prefixes and field updates", () => {
    const { sql, params } = changeCondition({ actions: ["user.created", "api_key."], fieldUpdates: [{ action: "user.updated", fields: ["role"] }] }, 2);
    expect(sql).toBe('r."action" = ANY($3::text[]) OR r."action" LIKE ANY($4::text[]) OR (r."action" = $5 AND r."changes" ?| $6::text[])');
    expect(params).toEqual([["user.created"], ["api\\_key.%"], "user.updated", ["role"]]);
    expect(changeCondition({ actions: [], fieldUpdates: [] }, 0).sql).toBe("false");
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
    expect(JSON.parse(ok.stdout)).toMatchObject({ totalEvents: 17, signInFailures: 3 });
    const bad = await runScript("scripts/audit.ts", ["report", slug, "--from", "yesterday-ish"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: Invalid report period: /);
  });
});
