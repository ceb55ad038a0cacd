// Health you can see, in Chromium against the production server (port 3100): the
// integration page's 24-hour charts (server-rendered SVG) with the numbers behind them,
// and the dashboard's summary across integrations (open circuit, dead letters, backlog).
// The data is real: inbox rows written through withAudit, outbound calls made by the
// real client against a local server that fails, which opens the circuit in Redis.
// Another tenant sees none of it; a viewer (no integrations:read) gets no summary.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { createIntegration } from "@/lib/integrations/integrations";
import { callIntegration } from "@/lib/integrations/outbound/client";
import { mailTo, waitForMail } from "../test/support/mail";
import { externalApiPort } from "./ports";
import { addTestMember, createTestTenant, signIn, type TestTenant } from "./support";

const setup = systemContext("e2e setup");
const hourMs = 3_600_000;

async function insertEvent(slug: string, integrationId: string, status: string, receivedAt: Date, processingMs: number | null) {
  const body = Buffer.from(JSON.stringify({ id: randomUUID() }));
  await withAudit(slug, setup, (tx) =>
    tx.webhookEvent.create({
      data: {
        integrationId,
        providerEventId: randomUUID(),
        headers: {},
        body,
        bodySha256: createHash("sha256").update(body).digest("hex"),
        status,
        receivedAt,
        dispatchedAt: receivedAt,
        processedAt: processingMs === null ? null : new Date(receivedAt.getTime() + processingMs),
      },
    }),
  );
}

test.describe("integration health", () => {
  let tenant: TestTenant;
  let other: TestTenant;
  let failing: Server;
  let webhookId = "";
  let restId = "";
  const busyHour = new Date(Math.floor(Date.now() / hourMs) * hourMs - 3 * hourMs);

  test.beforeAll(async () => {
    tenant = await createTestTenant("health");
    other = await createTestTenant("healthother");
    webhookId = (await createIntegration(tenant.slug, { name: "Orders feed", kind: "webhook", scheme: "standard-webhooks" }, setup)).integration.id;
    for (let i = 1; i <= 4; i++) await insertEvent(tenant.slug, webhookId, "processed", new Date(busyHour.getTime() + 60_000), i * 250);
    await insertEvent(tenant.slug, webhookId, "dead", new Date(busyHour.getTime() + 120_000), null);
    await insertEvent(tenant.slug, webhookId, "received", new Date(), null);
    await insertEvent(tenant.slug, webhookId, "failed", new Date(), null);

    failing = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
    restId = (await createIntegration(tenant.slug, { name: "Billing API", kind: "rest", settings: { baseUrl: base } }, setup)).integration.id;
    const target = {
      tenantSlug: tenant.slug,
      integrationId: restId,
      integrationName: "Billing API",
      baseUrl: base,
      timeoutMs: 5_000,
      maxAttempts: 1,
      rateLimitPerMinute: 10_000,
      failureThreshold: 2,
      openSeconds: 600,
    };
    for (let i = 0; i < 2; i++)
      await callIntegration(target, { method: "GET", path: "/invoices" }, setup, { allowedHosts: [new URL(base).host] }).catch(() => undefined);
  });

  test.afterAll(async () => {
    await new Promise<void>((resolve) => (failing ? failing.close(() => resolve()) : resolve()));
  });

  test("the dashboard sums up open circuits, dead letters and backlog, and links to what needs attention", async ({ page }, testInfo) => {
    await signIn(page, tenant, tenant.ownerEmail);
    const summary = page.getByTestId("health-summary");
    await expect(summary).toBeVisible();
    await expect(page.getByTestId("summary-open-circuits")).toHaveText("1");
    await expect(page.getByTestId("summary-dead-letters")).toHaveText("1");
    await expect(page.getByTestId("summary-backlog")).toHaveText("2");
    const attention = page.getByTestId("summary-attention").getByRole("listitem");
    await expect(attention).toHaveCount(2);
    await expect(attention.nth(0)).toContainText("Billing API");
    await expect(attention.nth(0)).toContainText("circuit open");
    await expect(attention.nth(1)).toContainText("Orders feed");
    await expect(attention.nth(1)).toContainText("1 dead · 2 waiting");
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await testInfo.attach(`dashboard-${width}`, { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await attention.nth(1).getByRole("link", { name: "Orders feed" }).click();
    await expect(page.getByTestId("integration-name")).toHaveText("Orders feed");
  });

  test("an integration's page charts its last 24 hours on the server, with the numbers behind them", async ({ page }, testInfo) => {
    await signIn(page, tenant, tenant.ownerEmail);
    await page.goto(tenant.url(`/integrations/${webhookId}`));
    const charts = page.getByTestId("health-charts");
    await expect(charts).toBeVisible();
    for (const id of ["chart-deliveries", "chart-latency", "chart-outbound"]) await expect(charts.getByTestId(id).locator("svg")).toHaveCount(1);
    await expect(page.getByTestId("chart-deliveries")).toHaveAttribute(
      "aria-label",
      "7 deliveries in 24 hours: 4 processed, 1 waiting, 1 failed (retrying), 1 dead.",
    );
    // 4 processed in 250..1000 ms: percentile_cont 0.95 -> 962.5 (a float: 962.4999... rounds down).
    await expect(page.getByTestId("chart-latency")).toHaveAttribute("aria-label", /^p95 time from receipt to processed: highest hour 96[23] ms\.$/);
    await expect(page.getByTestId("chart-outbound")).toHaveAttribute("aria-label", "No outbound calls in 24 hours.");
    await page.getByText("The numbers behind the charts").click();
    const row = page.getByTestId(`history-${busyHour.toISOString().slice(0, 13)}`);
    await expect(row.getByTestId("history-processed")).toHaveText("4");
    await expect(row.getByTestId("history-dead")).toHaveText("1");
    await expect(row.getByTestId("history-p95")).toHaveText(/^96[23]$/);
    // No chart code reaches the browser: the SVG came with the HTML.
    const scripts = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
    expect(scripts.filter((u) => /echarts|zrender/i.test(u))).toEqual([]);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await testInfo.attach(`integration-charts-${width}`, { body: await charts.screenshot(), contentType: "image/png" });
    }

    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(tenant.url(`/integrations/${restId}`));
    await expect(page.getByTestId("chart-outbound")).toHaveAttribute("aria-label", "0 of 2 outbound calls succeeded in 24 hours.");
  });

  test("another tenant sees neither the charts nor the summary; a viewer gets no summary", async ({ page, browser }) => {
    await signIn(page, other, other.ownerEmail);
    await expect(page.getByTestId("health-summary")).toContainText("No integrations yet.");
    const res = await page.goto(other.url(`/integrations/${webhookId}`));
    expect(res?.status()).toBe(404);
    await expect(page.getByTestId("not-found")).toBeVisible();
    await expect(page.getByTestId("integration-name")).toHaveCount(0);
    await expect(page.getByTestId("health-charts")).toHaveCount(0);

    const viewer = `viewer@${tenant.slug}.test`;
    await addTestMember(tenant.slug, { email: viewer, role: "viewer" });
    const context = await browser.newContext();
    const viewerPage = await context.newPage();
    await signIn(viewerPage, tenant, viewer);
    await expect(viewerPage.getByTestId("whoami-role")).toHaveText("viewer");
    await expect(viewerPage.getByTestId("health-summary")).toHaveCount(0);
    await context.close();
  });
});

test.describe("alerts over the real server", () => {
  test("a sync whose API fails opens the circuit: the owner gets the notice in the page and an email", async ({ page }) => {
    test.setTimeout(60_000);
    const api = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((resolve) => api.listen(externalApiPort, "127.0.0.1", resolve));
    try {
      const tenant = await createTestTenant("alerte2e");
      const { integration } = await createIntegration(
        tenant.slug,
        {
          name: "Ledger API",
          kind: "rest",
          settings: { baseUrl: `http://127.0.0.1:${externalApiPort}`, failureThreshold: 1, maxAttempts: 1, sync: { path: "/records" } },
        },
        setup,
      );
      await signIn(page, tenant, tenant.ownerEmail);
      await page.goto(tenant.url(`/integrations/${integration.id}`));
      await page.getByRole("button", { name: "Sync now" }).click();
      await expect(page.getByTestId("sync-message-ok")).toContainText("Sync requested");
      const mail = await waitForMail(tenant.ownerEmail, { subject: /Ledger API/, timeoutMs: 30_000 });
      expect(mail.subject).toBe(`[${tenant.name}] Integration "Ledger API" is failing`);
      expect(mail.text).toContain(`/integrations/${integration.id}`);
      await page.reload();
      await expect(page.getByTestId("notices")).toContainText('Integration "Ledger API" is failing');
      // Nobody else heard of it: alerts go to this tenant's owners only (the default recipients).
      const bystander = await createTestTenant("alertother");
      expect(await mailTo(bystander.ownerEmail)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => api.close(() => resolve()));
    }
  });
});
