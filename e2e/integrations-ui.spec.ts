// The integrations admin pages end to end (port 3100, production build, the local
// Inngest runner on 3190 as the workflow engine): create (the signing secret shown
// once), pause/resume, settings with field errors, secret rotation, deletion; a signed
// webhook over HTTP through the engine to "processed" in the inbox; dead letters and
// replay; a REST sync against a test API; read-only pages for members; notices; and
// that one tenant's integrations are invisible from another's host.
// Every test works in a tenant of its own (createTestTenant).
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { createIntegration } from "@/lib/integrations/integrations";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { externalApiPort } from "./ports";
import { addTestMember, createTestTenant, expectNotFoundPage, onPort, signIn, testPassword, type TestTenant } from "./support";

const { server } = onPort(3100);
const setup = systemContext("e2e setup");

/** Creates a webhook integration through the form and reads what is shown once. */
async function createWebhookInUi(page: Page, tenant: TestTenant, name: string, scheme = "standard-webhooks") {
  await page.goto(tenant.url("/integrations"));
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Kind", { exact: true }).selectOption("webhook");
  await page.getByLabel("Signature scheme").selectOption(scheme);
  await page.getByRole("button", { name: "Create integration" }).click();
  const created = page.getByTestId("integration-created");
  await expect(created).toBeVisible();
  const secret = await page.getByTestId("signing-secret").inputValue();
  const webhookUrl = await page.getByTestId("created-webhook-url").inputValue();
  const href = await created.getByRole("link", { name: `Open ${name}` }).getAttribute("href");
  const id = href!.split("/").at(-1)!;
  return { id, secret, webhookUrl };
}

/** POSTs a signed delivery to the tenant's webhook endpoint (Host header: Node does not resolve *.localhost). */
async function deliver(request: APIRequestContext, tenant: TestTenant, integrationId: string, secret: string, body: string | Buffer, eventId: string) {
  const headers = signWebhook("standard-webhooks", secret, body, { id: eventId });
  return request.post(`${server}/api/webhooks/${integrationId}`, {
    headers: { host: `${tenant.host}:3100`, "content-type": typeof body === "string" ? "application/json" : "application/octet-stream", ...headers },
    data: body,
  });
}

/** Reloads until `check` passes (the engine works in the background). */
async function eventually(page: Page, check: () => Promise<void>, timeout = 20_000) {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout, intervals: [500, 1000] });
}

/** An inbox row written straight into the tenant's schema (a state the tests want to start from; audited like any write). */
async function insertEvent(slug: string, integrationId: string, fields: { providerEventId: string; status: string; lastError?: string }) {
  const body = Buffer.from(JSON.stringify({ type: "order.created", data: { id: `ord_${randomBytes(3).toString("hex")}` } }));
  const row = await withAudit(slug, setup, (tx) =>
    tx.webhookEvent.create({
      data: {
        integrationId,
        providerEventId: fields.providerEventId,
        eventType: "order.created",
        headers: { "content-type": "application/json" },
        body,
        bodySha256: createHash("sha256").update(body).digest("hex"),
        status: fields.status,
        attempts: 1,
        lastError: fields.lastError ?? null,
        dispatchedAt: new Date(),
      },
      select: { id: true },
    }),
  );
  return row.id;
}

test.describe("integrations pages", () => {
  test("create a webhook integration (secret once), pause/resume, settings errors, rotate, delete", async ({ page }) => {
    const tenant = await createTestTenant("intui");
    await signIn(page, tenant, tenant.ownerEmail);
    await page.getByTestId("nav-integrations").click();
    await expect(page).toHaveURL(tenant.url("/integrations"));
    await expect(page.getByTestId("integrations-table")).toContainText("No integrations yet.");

    // Field errors from the library's schemas; nothing is created.
    await page.getByRole("button", { name: "Create integration" }).click();
    await expect(page.getByTestId("error-name")).toHaveText("Give the integration a name.");
    await expect(page.getByTestId("create-integration-error")).toHaveText("Check the fields marked above.");
    await page.getByLabel("Name", { exact: true }).fill("Billing hooks");
    await page.getByLabel("Signature scheme").selectOption("hmac-sha256");
    await page.getByLabel("Signature header (optional)").fill("X Bad Header");
    await page.getByRole("button", { name: "Create integration" }).click();
    await expect(page.getByTestId("error-settings.signatureHeader")).toHaveText("must be an HTTP header name");
    await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Billing hooks"); // a refusal keeps the input
    await expect(page.getByTestId("integration-created")).toHaveCount(0);
    await expect(page.getByTestId("integrations-table")).toContainText("No integrations yet.");

    await page.getByLabel("Signature header (optional)").fill("X-Billing-Signature");
    await page.getByRole("button", { name: "Create integration" }).click();
    const created = page.getByTestId("integration-created");
    await expect(created).toContainText("you will not see it again");
    const secret = await page.getByTestId("signing-secret").inputValue();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const webhookUrl = await page.getByTestId("created-webhook-url").inputValue();
    expect(webhookUrl).toMatch(new RegExp(`^${tenant.url("/api/webhooks/").replace(/[.]/g, "\\.")}[0-9a-f-]{36}$`));
    const row = page.getByRole("row", { name: /Billing hooks/ });
    await expect(row).toContainText("HMAC-SHA256");
    await expect(row.getByTestId("integration-status")).toHaveText("active");

    // Shown once: a fresh load has no trace of it.
    await page.reload();
    await expect(page.getByTestId("signing-secret")).toHaveCount(0);
    expect(await page.content()).not.toContain(secret);

    await row.getByRole("link", { name: "Billing hooks" }).click();
    await expect(page.getByTestId("integration-name")).toHaveText("Billing hooks");
    expect(page.url()).toBe(webhookUrl.replace("/api/webhooks/", "/integrations/"));
    await expect(page.getByTestId("webhook-url")).toHaveValue(webhookUrl);
    expect(await page.content()).not.toContain(secret);

    // Pause and resume.
    const status = page.getByTestId("integration-status");
    await expect(status).toHaveText("active");
    await page.getByRole("button", { name: "Pause" }).click();
    await expect(status).toHaveText("paused");
    await expect(page.getByTestId("paused-note")).toBeVisible();
    await page.getByRole("button", { name: "Resume" }).click();
    await expect(status).toHaveText("active");
    await expect(page.getByTestId("paused-note")).toHaveCount(0);

    // Settings: bad values are refused with the field's message, nothing is saved.
    const settings = page.getByTestId("settings-form");
    await settings.getByLabel("Rate limit (per minute)").fill("lots");
    await settings.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByTestId("error-rateLimitPerMinute")).toHaveText("Enter a whole number.");
    await settings.getByLabel("Rate limit (per minute)").fill("0");
    await settings.getByLabel("Name", { exact: true }).fill("   ");
    await settings.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByTestId("error-name")).toHaveText("Give the integration a name.");
    await settings.getByLabel("Name", { exact: true }).fill("Billing hooks v2");
    await settings.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByTestId("error-rateLimitPerMinute")).toContainText("must be at least 1");
    await expect(page.getByTestId("settings-message")).toHaveText("Check the fields marked above.");
    await page.reload();
    await expect(page.getByTestId("integration-name")).toHaveText("Billing hooks");
    await expect(settings.getByLabel("Rate limit (per minute)")).toHaveValue("600");

    await settings.getByLabel("Name", { exact: true }).fill("Billing hooks v2");
    await settings.getByLabel("Rate limit (per minute)").fill("120");
    await settings.getByLabel("Event id header").fill("X-Billing-Event");
    await settings.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByTestId("settings-message-ok")).toHaveText("Settings saved.");
    await expect(page.getByTestId("integration-name")).toHaveText("Billing hooks v2");
    await page.reload();
    await expect(settings.getByLabel("Rate limit (per minute)")).toHaveValue("120");
    await expect(settings.getByLabel("Signature header")).toHaveValue("X-Billing-Signature");
    await expect(settings.getByLabel("Event id header")).toHaveValue("X-Billing-Event");

    // Rotation: a new secret, once; the old one verifies for the chosen grace period.
    await expect(page.getByTestId("previous-secret-expires")).toHaveText("—");
    await page.getByLabel("Grace period").selectOption("3600");
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await expect(page.getByTestId("secret-rotated")).toContainText("you will not see it again");
    const rotated = await page.getByTestId("rotated-secret").inputValue();
    expect(rotated.length).toBeGreaterThanOrEqual(32);
    expect(rotated).not.toBe(secret);
    await expect(page.getByTestId("previous-secret-expires")).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+$/);
    await expect(page.getByTestId("previous-secret-expires").locator("time")).toHaveAttribute("title", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    await page.reload();
    await expect(page.getByTestId("rotated-secret")).toHaveCount(0);
    expect(await page.content()).not.toContain(rotated);

    // Delete: a cancelled confirmation changes nothing; a confirmed one goes back to the list.
    page.once("dialog", (d) => void d.dismiss());
    await page.getByRole("button", { name: "Delete integration" }).click();
    await expect(page.getByTestId("integration-name")).toBeVisible();
    page.once("dialog", (d) => {
      expect(d.message()).toContain("Billing hooks v2");
      void d.accept();
    });
    await page.getByRole("button", { name: "Delete integration" }).click();
    await page.waitForURL(tenant.url("/integrations"));
    await expect(page.getByTestId("integrations-table")).toContainText("No integrations yet.");
    await expectNotFoundPage(page, webhookUrl.replace("/api/webhooks/", "/integrations/"));
  });

  test("the whole path: a signed webhook over HTTP is processed by the engine and shown in the inbox", async ({ page, request }) => {
    test.setTimeout(90_000);
    const tenant = await createTestTenant("inthook");
    await signIn(page, tenant, tenant.ownerEmail);
    const { id, secret, webhookUrl } = await createWebhookInUi(page, tenant, "Orders");
    expect(webhookUrl).toBe(tenant.url(`/api/webhooks/${id}`));

    const eventId = `msg_${randomBytes(8).toString("hex")}`;
    const orderId = `ord_${randomBytes(4).toString("hex")}`;
    const body = JSON.stringify({ type: "order.created", data: { id: orderId, total: 4200 } });
    const res = await deliver(request, tenant, id, secret, body, eventId);
    expect(res.status()).toBe(202);
    const answer = (await res.json()) as { id: string; status: string };
    expect(answer).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: "received" });

    await page.goto(tenant.url(`/integrations/${id}`));
    const row = page.getByRole("row", { name: new RegExp(eventId) });
    await eventually(page, async () => {
      await expect(row.getByTestId("event-status")).toHaveText("processed", { timeout: 1_000 });
    });
    await expect(row).toContainText("order.created");
    await expect(page.getByTestId("records-table")).toContainText(orderId);
    await expect(page.getByTestId("health-success-rate")).toContainText("100.0 %");
    await expect(page.getByTestId("health-last-success").locator("time")).toHaveAttribute("title", /\d{2}:\d{2}:\d{2} UTC$/);
    // Nothing dead, nothing to replay.
    await expect(page.getByTestId("health-dead")).toHaveText("0 dead");
    await expect(row.getByRole("button", { name: "Replay", exact: true })).toHaveCount(0);

    // The status filter is in the address.
    await page.getByRole("link", { name: "Dead", exact: true }).click();
    await expect(page).toHaveURL((u) => u.searchParams.get("status") === "dead");
    await expect(page.getByTestId("inbox-table")).toContainText("No dead events.");
    await page.getByRole("link", { name: "Processed", exact: true }).click();
    await expect(page.getByRole("row", { name: new RegExp(eventId) })).toBeVisible();

    // The event's own page: kept headers and the body as received.
    await page.getByRole("link", { name: eventId }).click();
    await expect(page).toHaveURL(tenant.url(`/integrations/${id}/events/${answer.id}`));
    await expect(page.getByTestId("event-status")).toHaveText("processed");
    await expect(page.getByTestId("event-body")).toHaveText(body);
    await expect(page.getByTestId("event-body-size")).toHaveText(`${Buffer.byteLength(body)} bytes`);
    await expect(page.getByTestId("event-headers")).toContainText("webhook-id");
    await expect(page.getByTestId("event-headers")).toContainText(eventId);
    await expect(page.getByTestId("event-headers")).not.toContainText("webhook-signature");

    // A redelivery of the same event is not stored twice.
    const again = await deliver(request, tenant, id, secret, body, eventId);
    expect(again.status()).toBe(200);
    await page.goto(tenant.url(`/integrations/${id}`));
    await expect(page.getByRole("row", { name: new RegExp(eventId) })).toHaveCount(1);
  });

  test("dead letters: shown with their error and a base64 body, replayed one by one and all at once", async ({ page, request }) => {
    test.setTimeout(90_000);
    const tenant = await createTestTenant("intdead");
    const { integration, secret } = await createIntegration(tenant.slug, { name: "Binary feed", kind: "webhook", scheme: "standard-webhooks" }, setup);
    await signIn(page, tenant, tenant.ownerEmail);

    // Not JSON (and not UTF-8): processing fails for good, the event is dead.
    const eventId = `msg_${randomBytes(8).toString("hex")}`;
    const res = await deliver(request, tenant, integration.id, secret!, Buffer.from([0xff, 0xfe, 0x00, 0x01]), eventId);
    expect(res.status()).toBe(202);

    await page.goto(tenant.url(`/integrations/${integration.id}?status=dead`));
    const row = page.getByRole("row", { name: new RegExp(eventId) });
    await eventually(page, async () => {
      await expect(row.getByTestId("event-status")).toHaveText("dead", { timeout: 1_000 });
    });
    await expect(row).toContainText("not JSON");
    await expect(page.getByTestId("health-dead")).toHaveText("1 dead");
    const attempts = Number(await row.getByTestId("event-attempts").textContent());

    await row.getByRole("link", { name: eventId }).click();
    await expect(page.getByTestId("event-body-size")).toHaveText("4 bytes · not UTF-8 text, so shown base64-encoded");
    await expect(page.getByTestId("event-body")).toHaveText(Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString("base64"));
    await expect(page.getByTestId("event-last-error")).toContainText("not JSON");
    await page.goBack();

    // A paused integration refuses replays with a readable message.
    await page.getByRole("button", { name: "Pause" }).click();
    await expect(page.getByTestId("integration-status")).toHaveText("paused");
    await page
      .getByRole("row", { name: new RegExp(eventId) })
      .getByRole("button", { name: "Replay", exact: true })
      .click();
    await expect(page.getByTestId("replay-error")).toHaveText("This integration is paused; resume it before replaying.");
    await page.getByRole("button", { name: "Resume" }).click();
    await expect(page.getByTestId("integration-status")).toHaveText("active");

    // One row: back through the engine, and dead again (the body is still not JSON).
    await page
      .getByRole("row", { name: new RegExp(eventId) })
      .getByRole("button", { name: "Replay", exact: true })
      .click();
    await eventually(page, async () => {
      await expect(row.getByTestId("event-status")).toHaveText("dead", { timeout: 1_000 });
      expect(Number(await row.getByTestId("event-attempts").textContent())).toBeGreaterThan(attempts);
    });
    const afterOne = Number(await row.getByTestId("event-attempts").textContent());

    // All dead ones at once.
    await page.getByRole("button", { name: "Replay all dead" }).click();
    await expect(page.getByTestId("replay-dead-message-ok")).toHaveText("1 event(s) sent for processing again.");
    await eventually(page, async () => {
      await expect(row.getByTestId("event-status")).toHaveText("dead", { timeout: 1_000 });
      expect(Number(await row.getByTestId("event-attempts").textContent())).toBeGreaterThan(afterOne);
    });
  });

  test("a REST integration: field errors, then Sync now copies the API's records through the engine", async ({ page }) => {
    test.setTimeout(90_000);
    const seen: IncomingHttpHeaders[] = [];
    const api: Server = createServer((req, res) => {
      seen.push(req.headers);
      const url = new URL(req.url ?? "/", "http://api");
      res.setHeader("content-type", "application/json");
      if (url.pathname !== "/records") {
        res.statusCode = 404;
        res.end("{}");
        return;
      }
      const page2 = url.searchParams.get("cursor") === "p2";
      res.end(
        JSON.stringify(
          page2
            ? { data: [{ id: "c3", name: "Carol" }], next_cursor: null }
            : {
                data: [
                  { id: "c1", name: "Alice" },
                  { id: "c2", name: "Bob" },
                ],
                next_cursor: "p2",
              },
        ),
      );
    });
    // The one host:port the e2e servers allow-list (e2e/ports.ts).
    await new Promise<void>((resolve) => api.listen(externalApiPort, "127.0.0.1", resolve));
    const baseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    try {
      const tenant = await createTestTenant("intrest");
      await signIn(page, tenant, tenant.ownerEmail);
      await page.goto(tenant.url("/integrations"));
      await page.getByLabel("Name", { exact: true }).fill("CRM");
      await page.getByLabel("Kind", { exact: true }).selectOption("rest");
      await page.getByLabel("Base URL").fill("ftp://crm.example.com");
      await page.getByLabel("Timeout (ms)").fill("50");
      await page.getByLabel("Sync interval (minutes)").fill("15");
      await page.getByRole("button", { name: "Create integration" }).click();
      await expect(page.getByTestId("error-settings.sync.path")).toHaveText("Give the path to sync from, e.g. /records.");
      await page.getByLabel("Sync path (optional)").fill("/records");
      await page.getByRole("button", { name: "Create integration" }).click();
      await expect(page.getByTestId("error-settings.baseUrl")).toHaveText("must be an http(s) URL");
      await expect(page.getByTestId("error-settings.timeoutMs")).toContainText("must be at least 100");
      await expect(page.getByTestId("integrations-table")).toContainText("No integrations yet.");

      await page.getByLabel("Base URL").fill(baseUrl);
      await page.getByLabel("Timeout (ms)").fill("5000");
      await page.getByLabel("Sync interval (minutes)").fill("0");
      await page.getByLabel("API token (optional)").fill("tok_e2e_secret");
      await page.getByRole("button", { name: "Create integration" }).click();
      await expect(page.getByTestId("integration-created")).toBeVisible();
      await expect(page.getByTestId("signing-secret")).toHaveCount(0);
      expect(await page.content()).not.toContain("tok_e2e_secret");
      await page.getByRole("link", { name: "Open CRM" }).click();
      await expect(page.getByTestId("integration-name")).toHaveText("CRM");
      await expect(page.getByTestId("circuit-state")).toHaveText("closed");
      await expect(page.getByRole("button", { name: "Rotate secret" })).toHaveCount(0);
      await expect(page.getByTestId("sync-runs-table")).toContainText("No sync runs yet.");

      await page.getByRole("button", { name: "Sync now" }).click();
      await expect(page.getByTestId("sync-message-ok")).toContainText("Sync requested");
      const run = page.getByTestId("sync-runs-table").getByRole("row").nth(1);
      await eventually(page, async () => {
        await expect(run.getByTestId("sync-run-status")).toHaveText("succeeded", { timeout: 1_000 });
      });
      await expect(run).toContainText("manual");
      await expect(run.getByTestId("sync-run-counts")).toHaveText("3 / 3 / 0 / 0");
      const records = page.getByTestId("records-table");
      for (const name of ["Alice", "Bob", "Carol"]) await expect(records).toContainText(name);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen.every((h) => h.authorization === "Bearer tok_e2e_secret")).toBe(true);
      await expect(page.getByTestId("health-success-rate")).toContainText("100.0 %");

      // Editing keeps the token unless replaced; a bad base URL is refused.
      const settings = page.getByTestId("settings-form");
      await settings.getByLabel("Base URL").fill("not a url");
      await settings.getByRole("button", { name: "Save settings" }).click();
      await expect(page.getByTestId("error-baseUrl")).toHaveText("must be an http(s) URL");
      await settings.getByLabel("Base URL").fill(baseUrl);
      await settings.getByLabel("Sync path (optional)").fill("");
      await settings.getByRole("button", { name: "Save settings" }).click();
      await expect(page.getByTestId("settings-message-ok")).toHaveText("Settings saved.");
      await expect(page.getByTestId("sync-not-configured")).toBeVisible();
      await expect(page.getByRole("button", { name: "Sync now" })).toHaveCount(0);
    } finally {
      await new Promise<void>((resolve) => api.close(() => resolve()));
    }
  });

  test("Sync now says so when the workflow engine cannot be reached (port 3101 has none)", async ({ page }) => {
    const tenant = await createTestTenant("intnoeng");
    const { integration } = await createIntegration(
      tenant.slug,
      { name: "Offline CRM", kind: "rest", settings: { baseUrl: "http://127.0.0.1:9", sync: { path: "/records" } } },
      setup,
    );
    await signIn(page, tenant, tenant.ownerEmail);
    // The session cookie is the host's, whatever the port: the same build without an engine.
    await page.goto(onPort(3101).url(tenant.host, `/integrations/${integration.id}`));
    await expect(page.getByTestId("integration-name")).toHaveText("Offline CRM");
    await page.getByRole("button", { name: "Sync now" }).click();
    await expect(page.getByTestId("sync-message")).toHaveText("The workflow engine is not reachable; try again shortly.");
  });
});

test.describe("who sees what", () => {
  test("a member without integrations:write sees the pages read-only; a viewer gets 403", async ({ page, browser }) => {
    const tenant = await createTestTenant("intro");
    const member = `member@${tenant.slug}.test`;
    const viewer = `viewer@${tenant.slug}.test`;
    await addTestMember(tenant.slug, { email: member, role: "member" });
    await addTestMember(tenant.slug, { email: viewer, role: "viewer" });
    const { integration } = await createIntegration(tenant.slug, { name: "Payments", kind: "webhook", scheme: "stripe" }, setup);
    const deadId = `evt_${randomBytes(6).toString("hex")}`;
    await insertEvent(tenant.slug, integration.id, { providerEventId: deadId, status: "dead", lastError: "boom" });
    const notice = await withAudit(tenant.slug, setup, (tx) =>
      tx.notice.create({
        data: { kind: "circuit_open", title: 'Integration "Payments" is failing', body: "Calls failed 5 times in a row.", integrationId: integration.id },
      }),
    );

    // Contrast: the owner has every control.
    await signIn(page, tenant, tenant.ownerEmail);
    await page.goto(tenant.url(`/integrations/${integration.id}`));
    const deadRow = page.getByRole("row", { name: new RegExp(deadId) });
    await expect(deadRow.getByRole("button", { name: "Replay", exact: true })).toBeVisible();
    for (const name of ["Pause", "Delete integration", "Save settings", "Rotate secret", "Replay all dead"])
      await expect(page.getByRole("button", { name })).toBeVisible();
    await expect(page.getByRole("note", { name: 'Integration "Payments" is failing' }).getByRole("button", { name: /^Dismiss notice/ })).toBeVisible();

    const memberContext = await browser.newContext();
    try {
      const mp = await memberContext.newPage();
      await signIn(mp, tenant, member);
      await expect(mp.getByTestId("nav-integrations")).toBeVisible();
      // Notices are shown, without the dismiss button.
      const banner = mp.getByRole("note", { name: 'Integration "Payments" is failing' });
      await expect(banner).toContainText("Calls failed 5 times in a row.");
      await expect(mp.getByRole("button", { name: /Dismiss/ })).toHaveCount(0);

      await mp.getByTestId("nav-integrations").click();
      await expect(mp.getByRole("row", { name: /Payments/ })).toContainText("Stripe");
      await expect(mp.getByTestId("create-integration-form")).toHaveCount(0);
      await expect(mp.getByRole("button", { name: "Create integration" })).toHaveCount(0);

      await mp.getByRole("link", { name: "Payments" }).click();
      await expect(mp.getByTestId("integration-name")).toHaveText("Payments");
      await expect(mp.getByRole("row", { name: new RegExp(deadId) }).getByTestId("event-status")).toHaveText("dead");
      await expect(mp.getByTestId("settings-readonly")).toBeVisible();
      await expect(mp.getByTestId("health-dead")).toHaveText("1 dead");
      await expect(
        mp.getByRole("button", { name: /^(Pause|Resume|Delete integration|Save settings|Rotate secret|Replay|Replay all dead|Sync now)$/ }),
      ).toHaveCount(0);
      await mp.getByRole("link", { name: deadId }).click();
      await expect(mp.getByTestId("event-provider-id")).toHaveText(deadId);
      await expect(mp.getByRole("button", { name: "Replay", exact: true })).toHaveCount(0);
    } finally {
      await memberContext.close();
    }

    const viewerContext = await browser.newContext();
    try {
      const vp = await viewerContext.newPage();
      await signIn(vp, tenant, viewer);
      await expect(vp.getByTestId("nav-integrations")).toHaveCount(0);
      await expect(vp.getByTestId("notices")).toHaveCount(0);
      const res = await vp.goto(tenant.url(`/integrations/${integration.id}`));
      expect(res?.status()).toBe(403);
      await expect(vp.getByTestId("forbidden")).toBeVisible();
    } finally {
      await viewerContext.close();
    }

    // The owner dismisses the notice: gone for everyone.
    await page.reload();
    await page.getByRole("button", { name: `Dismiss notice: Integration "Payments" is failing` }).click();
    await expect(page.getByTestId("notices")).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId(`notice-${notice.id}`)).toHaveCount(0);
  });

  test("another tenant's admin cannot open this tenant's integration nor its events", async ({ page }) => {
    const first = await createTestTenant("intown");
    const second = await createTestTenant("intother");
    const { integration } = await createIntegration(first.slug, { name: "Secret ledger", kind: "webhook", scheme: "github" }, setup);
    const eventId = await insertEvent(first.slug, integration.id, { providerEventId: `gh_${randomUUID()}`, status: "processed" });
    const admin = `admin@${second.slug}.test`;
    await addTestMember(second.slug, { email: admin, role: "admin", password: testPassword });

    await signIn(page, second, admin);
    await page.goto(second.url("/integrations"));
    await expect(page.getByTestId("integrations-table")).toContainText("No integrations yet.");
    await expect(page.getByTestId("integrations-table")).not.toContainText("Secret ledger");
    await expectNotFoundPage(page, second.url(`/integrations/${integration.id}`));
    await expectNotFoundPage(page, second.url(`/integrations/${integration.id}/events/${eventId}`));
    await expectNotFoundPage(page, second.url("/integrations/not-a-uuid"));
    // Their session is not valid on the first tenant's host either.
    await page.goto(first.url(`/integrations/${integration.id}`));
    await expect(page).toHaveURL(first.url(`/sign-in?next=${encodeURIComponent(`/integrations/${integration.id}`)}`));
    await expect(page.locator("body")).not.toContainText("Secret ledger");
  });
});
