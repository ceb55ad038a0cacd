// Alerts for tenant admins (lib/alerts/), end to end on real PostgreSQL, Redis and SMTP
// (the test stack's catcher): a circuit opening (real outbound calls against a failing
// local server), dead letters, a sync failing three times. Each is a notice and an email
// to the recipients the tenant's settings choose, once per incident, capped per tenant
// per hour; another tenant hears nothing; an unreachable SMTP server changes nothing but
// the failure count.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertEmailsPerHour, emailAlert } from "@/lib/alerts/email";
import { raiseIntegrationAlert } from "@/lib/alerts/incidents";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { markDead } from "@/lib/integrations/inbox/process-webhook";
import { createIntegration } from "@/lib/integrations/integrations";
import { dismissNotice } from "@/lib/integrations/notices";
import { callIntegration, resetCircuit } from "@/lib/integrations/outbound/client";
import { finishSyncRun, startSyncRun } from "@/lib/integrations/sync/sync-runs";
import { mailFailureCount } from "@/lib/mail/failures";
import { closeMailTransport } from "@/lib/mail/transport";
import { updateTenantSettings } from "@/lib/tenancy/tenant-settings";
import { addUser, tenantWithOwner } from "./support/auth";
import { patchEnv, patientRedis } from "./support/integrations";
import { mailTo, waitForMail } from "./support/mail";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("alert");
const otherSlug = uniqueSlug("alert");
const ctx = systemContext("alerts-test");
const owner = `owner@${slug}.test`;
const admin = `admin@${slug}.test`;
const otherOwner = `owner@${otherSlug}.test`;
let restoreEnv: () => void;
let failing: Server;
let baseUrl = "";

const notices = (s: string, integrationId: string, kind: string) =>
  tenantDb(s).notice.findMany({ where: { integrationId, kind }, orderBy: { createdAt: "asc" } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openCircuit(integrationId: string, name: string) {
  const target = {
    tenantSlug: slug,
    integrationId,
    integrationName: name,
    baseUrl,
    timeoutMs: 5_000,
    maxAttempts: 1,
    rateLimitPerMinute: 10_000,
    failureThreshold: 1,
    openSeconds: 600,
  };
  await callIntegration(target, { method: "GET", path: "/x" }, ctx, { allowedHosts: [new URL(baseUrl).host] }).catch(() => undefined);
}

async function deadEvent(s: string, integrationId: string): Promise<string> {
  const body = Buffer.from(`{"n":"${randomUUID()}"}`);
  const row = await withAudit(s, ctx, (tx) =>
    tx.webhookEvent.create({
      data: { integrationId, providerEventId: randomUUID(), headers: {}, body, bodySha256: createHash("sha256").update(body).digest("hex"), status: "failed" },
      select: { id: true },
    }),
  );
  await markDead(s, row.id, "boom: retries exhausted");
  return row.id;
}

beforeAll(async () => {
  restoreEnv = patchEnv({ ...patientRedis });
  failing = createServer((_req, res) => res.writeHead(503).end());
  await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
  await Promise.all([tenantWithOwner(slug), tenantWithOwner(otherSlug)]);
  await addUser(slug, admin, "admin");
});

afterAll(async () => {
  await dropTenantsQuietly([slug, otherSlug]);
  await new Promise<void>((resolve) => failing.close(() => resolve()));
  closeMailTransport();
  restoreEnv();
  await closePool();
});

describe("alert emails", () => {
  it("a circuit opening is a notice and an email to the owners (the default recipients), not to admins", async () => {
    const { integration } = await createIntegration(slug, { name: "Billing API", kind: "rest", settings: { baseUrl } }, ctx);
    await openCircuit(integration.id, "Billing API");
    const mail = await waitForMail(owner, { subject: /Billing API/ });
    expect(mail.subject).toBe(`[Tenant ${slug}] Integration "Billing API" is failing`);
    expect(mail.text).toContain(`/integrations/${integration.id}`);
    expect(mail.text).toContain("failed 1 times in a row");
    expect(await notices(slug, integration.id, "circuit_open")).toHaveLength(1);
    expect(await mailTo(admin)).toEqual([]);
    expect(await mailTo(otherOwner)).toEqual([]);
  });

  it("one incident is one notice and one email; dismissing the notice closes it, and the next opening alerts again", async () => {
    const { integration } = await createIntegration(slug, { name: "Flaky API", kind: "rest", settings: { baseUrl } }, ctx);
    await openCircuit(integration.id, "Flaky API");
    await waitForMail(owner, { subject: /Flaky API/ });
    // Closed by hand and opened again while the notice is unread: the same incident.
    await resetCircuit(slug, integration.id);
    await openCircuit(integration.id, "Flaky API");
    const open = await notices(slug, integration.id, "circuit_open");
    expect(open).toHaveLength(1);
    await dismissNotice(slug, open[0]!.id, ctx);
    await resetCircuit(slug, integration.id);
    await openCircuit(integration.id, "Flaky API");
    await waitForMail(owner, { subject: /Flaky API/, count: 2 });
    expect(await notices(slug, integration.id, "circuit_open")).toHaveLength(2);
    await sleep(500);
    expect((await mailTo(owner)).filter((m) => m.subject.includes("Flaky API"))).toHaveLength(2);
  });

  it("dead letters: several dead events of one integration are one incident", async () => {
    const { integration } = await createIntegration(slug, { name: "Orders", kind: "webhook", scheme: "standard-webhooks" }, ctx);
    await deadEvent(slug, integration.id);
    const mail = await waitForMail(owner, { subject: /Orders/ });
    expect(mail.subject).toBe(`[Tenant ${slug}] Integration "Orders" has dead letters`);
    expect(mail.text).toContain("boom: retries exhausted");
    await deadEvent(slug, integration.id);
    await deadEvent(slug, integration.id);
    expect(await notices(slug, integration.id, "dead_letters")).toHaveLength(1);
    await sleep(500);
    expect((await mailTo(owner)).filter((m) => m.subject.includes('"Orders"'))).toHaveLength(1);
  });

  it("a sync alerts after its third failure in a row, not before, and the recipients follow the settings", async () => {
    const oncall = `oncall-${randomUUID().slice(0, 8)}@example.test`;
    await updateTenantSettings(slug, { alertRecipients: { roles: ["owner", "admin"], addresses: [oncall] } }, ctx);
    const { integration } = await createIntegration(slug, { name: "CRM", kind: "rest", settings: { baseUrl, sync: { path: "/records" } } }, ctx);
    const failRun = async () => {
      const run = await startSyncRun(slug, integration.id, "manual");
      await finishSyncRun(slug, run.runId, "failed", "HTTP 503");
    };
    await failRun();
    await failRun();
    expect(await notices(slug, integration.id, "sync_failed")).toHaveLength(0);
    await failRun();
    expect(await notices(slug, integration.id, "sync_failed")).toHaveLength(1);
    for (const to of [owner, admin, oncall])
      expect((await waitForMail(to, { subject: /Sync of "CRM"/ })).subject).toBe(`[Tenant ${slug}] Sync of "CRM" failed 3 times in a row`);
    expect(await mailTo(otherOwner)).toEqual([]);
  });

  it(`emails at most ${alertEmailsPerHour} incidents per tenant per hour; the notices still appear`, async () => {
    const rateSlug = uniqueSlug("alertrl");
    const watcher = `watcher-${randomUUID().slice(0, 8)}@example.test`;
    await tenantWithOwner(rateSlug);
    await updateTenantSettings(rateSlug, { alertRecipients: { roles: [], addresses: [watcher] } }, ctx);
    try {
      const alert = (i: number) => ({
        kind: "dead_letters" as const,
        integrationId: randomUUID(),
        integrationName: `Feed ${i}`,
        title: `Feed ${i} has dead letters`,
        body: "x",
      });
      for (let i = 1; i <= alertEmailsPerHour; i++) expect(await raiseIntegrationAlert(rateSlug, ctx, alert(i))).toBe(true);
      await waitForMail(watcher, { count: alertEmailsPerHour, timeoutMs: 20_000 });
      const over = alert(alertEmailsPerHour + 1);
      expect(await raiseIntegrationAlert(rateSlug, ctx, over)).toBe(true);
      expect(await emailAlert(rateSlug, over)).toEqual({ sent: 0, failed: 0, skipped: "rate_limited" });
      expect(await tenantDb(rateSlug).notice.count()).toBe(alertEmailsPerHour + 1);
      await sleep(500);
      expect(await mailTo(watcher)).toHaveLength(alertEmailsPerHour);
    } finally {
      await dropTenantsQuietly([rateSlug]);
    }
  });

  it("with SMTP unreachable the alert is still raised at once; the failure is counted, not thrown", async () => {
    const restore = patchEnv({ SMTP_URL: "smtp://127.0.0.1:9", MAIL_TIMEOUT_MS: "2000" });
    try {
      const before = mailFailureCount();
      const { integration } = await createIntegration(slug, { name: "Down feed", kind: "webhook", scheme: "github" }, ctx);
      await deadEvent(slug, integration.id);
      expect(await notices(slug, integration.id, "dead_letters")).toHaveLength(1);
      await expect.poll(() => mailFailureCount(), { timeout: 10_000 }).toBeGreaterThan(before);
    } finally {
      closeMailTransport();
      restore();
    }
  });
});
