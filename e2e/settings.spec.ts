// The Settings page in Chromium: owners edit, admins read, members are refused; branding
// on the tenant's pages; custom domains verified against a real DNS server this spec
// runs (the 3100 server's DNS_RESOLVERS points at it) and then routed; the session
// lifetime ending older sessions; and none of it visible to another tenant.
import { expect, test, type Page } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { startDnsServer, type TestDnsServer } from "../test/support/dns-server";
import { dnsPort } from "./ports";
import { addTestMember, createTestTenant, expectNotFoundPage, onPort, open, signIn, type TestTenant } from "./support";

const url = onPort(3100).url;

function acceptDialogs(page: Page) {
  page.on("dialog", (dialog) => void dialog.accept());
}

test.afterAll(async () => {
  await closePool();
});

test.describe("settings page", () => {
  let tenant: TestTenant;
  let other: TestTenant;

  test.beforeAll(async () => {
    tenant = await createTestTenant("settings");
    other = await createTestTenant("settings2");
    await addTestMember(tenant.slug, { email: `admin@${tenant.slug}.test`, role: "admin" });
    await addTestMember(tenant.slug, { email: `member@${tenant.slug}.test`, role: "member" });
  });

  test("an owner renames and brands the tenant; field errors are readable; the other tenant is untouched", async ({ page }) => {
    await signIn(page, tenant, tenant.ownerEmail);
    await page.getByTestId("nav-settings").click();
    await expect(page).toHaveURL(tenant.url("/settings"));
    const form = page.getByTestId("settings-general-form");

    // Bad input: shown beside the fields, nothing saved.
    await form.getByLabel("Display name").fill("");
    await form.getByLabel("Accent colour").fill("purple");
    await form.getByLabel("Logo URL").fill("http://cdn.example.com/logo.png");
    await form.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("error-displayName")).toBeVisible();
    await expect(page.getByTestId("error-branding.accentColor")).toHaveText("must be a colour such as #4f46e5");
    await expect(page.getByTestId("error-branding.logoUrl")).toHaveText("must be an https:// URL");
    await expect(page.getByTestId("settings-general-message")).toHaveText("Check the fields marked above.");
    await expect(page.getByTestId("tenant-name")).toHaveText(tenant.name);

    await form.getByLabel("Display name").fill("Branded Co");
    await form.getByLabel("Accent colour").fill("#AA3366");
    await form.getByLabel("Logo URL").fill("https://cdn.example.com/logo.png");
    await form.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("settings-general-message-ok")).toHaveText("Saved.");
    await expect(page.getByTestId("tenant-name")).toHaveText("Branded Co");
    await expect(page.getByTestId("page-header")).toHaveAttribute("data-accent", "#aa3366");
    await expect(page.getByTestId("page-header")).toHaveCSS("border-top-color", "rgb(170, 51, 102)");
    await expect(page.getByTestId("tenant-logo")).toHaveAttribute("src", "https://cdn.example.com/logo.png");

    // Applied to every page of the tenant, the signed-out sign-in page too.
    await page.goto(tenant.url("/members"));
    await expect(page.getByTestId("tenant-name")).toHaveText("Branded Co");
    const anonymous = await page.context().browser()!.newPage();
    await anonymous.goto(tenant.url("/sign-in"));
    await expect(anonymous.getByTestId("tenant-name")).toHaveText("Branded Co");
    await expect(anonymous.getByTestId("page-header")).toHaveAttribute("data-accent", "#aa3366");
    // Another tenant keeps its own name and no branding.
    await anonymous.goto(other.url("/sign-in"));
    await expect(anonymous.getByTestId("tenant-name")).toHaveText(other.name);
    await expect(anonymous.getByTestId("tenant-logo")).toHaveCount(0);
    expect(await anonymous.getByTestId("page-header").getAttribute("data-accent")).toBeNull();
    await anonymous.close();

    // The change is audited with before and after.
    const [row] = await tenantDb(tenant.slug).auditLog.findMany({ where: { action: "settings.updated" }, orderBy: { seq: "desc" }, take: 1 });
    expect(row!.metadata).toMatchObject({ displayName: { before: tenant.name, after: "Branded Co" } });
  });

  test("API, audit and alert settings save and read back", async ({ page }) => {
    await signIn(page, tenant, tenant.ownerEmail);
    await page.goto(tenant.url("/settings"));
    const api = page.getByTestId("settings-api-form");
    await api.getByLabel("CORS origins").fill("https://app.example.com\nnot a url");
    await api.getByLabel("API requests per minute (whole tenant)").fill("1200");
    await api.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("error-corsOrigins")).toBeVisible();
    await api.getByLabel("CORS origins").fill("https://app.example.com");
    await api.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("settings-api-message-ok")).toBeVisible();

    const audit = page.getByTestId("settings-audit-form");
    await audit.getByLabel("Audit retention (days)").fill("400");
    await audit.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("settings-audit-message-ok")).toBeVisible();

    const alerts = page.getByTestId("settings-alerts-form");
    await alerts.getByLabel("an admin").check();
    await alerts.getByLabel("and these addresses").fill("ops@example.com\nnope");
    await alerts.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("error-alertRecipients.addresses")).toHaveText("must be an email address");
    await alerts.getByLabel("and these addresses").fill("ops@example.com");
    await alerts.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("settings-alerts-message-ok")).toBeVisible();

    await page.reload();
    await expect(page.getByTestId("settings-api-form").getByLabel("CORS origins")).toHaveValue("https://app.example.com");
    await expect(page.getByTestId("settings-api-form").getByLabel("API requests per minute (whole tenant)")).toHaveValue("1200");
    await expect(page.getByTestId("settings-audit-form").getByLabel("Audit retention (days)")).toHaveValue("400");
    await expect(page.getByTestId("settings-alerts-form").getByLabel("an owner")).toBeChecked();
    await expect(page.getByTestId("settings-alerts-form").getByLabel("an admin")).toBeChecked();
    await expect(page.getByTestId("settings-alerts-form").getByLabel("and these addresses")).toHaveValue("ops@example.com");
  });

  test("an admin reads the settings without controls; a member gets the 403 page", async ({ page }) => {
    await signIn(page, tenant, `admin@${tenant.slug}.test`);
    await page.getByTestId("nav-settings").click();
    await expect(page.getByTestId("settings-general-form").getByLabel("Display name")).toBeDisabled();
    await expect(page.getByRole("button", { name: "Save" })).toHaveCount(0);
    await expect(page.getByTestId("add-domain-form")).toHaveCount(0);

    const memberPage = await page.context().browser()!.newPage();
    await signIn(memberPage, tenant, `member@${tenant.slug}.test`);
    await expect(memberPage.getByTestId("nav-settings")).toHaveCount(0);
    expect(await open(memberPage, tenant.url("/settings"))).toBe(403);
    await expect(memberPage.getByTestId("forbidden")).toBeVisible();
    await memberPage.close();
  });

  test("a shorter session lifetime ends older sessions", async ({ page }) => {
    const t = await createTestTenant("lifetime");
    await signIn(page, t, t.ownerEmail);
    await page.goto(t.url("/settings"));
    const security = page.getByTestId("settings-security-form");
    await security.getByLabel("Session lifetime (hours)").fill("1");
    await security.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("settings-security-message-ok")).toBeVisible();
    // This session is a minute old: still signed in.
    await page.goto(t.url("/members"));
    await expect(page.getByTestId("members-table")).toBeVisible();
    // Two hours old (as if signed in then): over the new lifetime, so it has ended.
    await withAudit(t.slug, systemContext("e2e"), (tx) => tx.session.updateMany({ data: { createdAt: new Date(Date.now() - 2 * 3_600_000) } }));
    await expect(async () => {
      await page.goto(t.url("/members"));
      expect(new URL(page.url()).pathname).toBe("/sign-in");
    }).toPass({ timeout: 5_000 });
  });

  test("requiring MFA sends the owner to set it up", async ({ page }) => {
    const t = await createTestTenant("mfaset");
    await signIn(page, t, t.ownerEmail);
    await page.goto(t.url("/settings"));
    const toggle = page.getByLabel("Require two-factor authentication for owners and admins");
    await expect(toggle).not.toBeChecked();
    await toggle.check();
    await page.getByTestId("settings-security-form").getByRole("button", { name: "Save" }).click();
    await expect(page).toHaveURL(t.url("/account?mfa=required"));
    await expect(page.getByTestId("mfa-required-notice")).toContainText("requires two-factor authentication");
  });
});

test.describe("custom domains", () => {
  let dns: TestDnsServer;
  test.beforeAll(async () => {
    dns = await startDnsServer(dnsPort);
  });
  test.afterAll(async () => {
    await dns?.close();
  });

  test("add (pending), verify against DNS, route, make primary, remove; another tenant cannot claim it", async ({ page }) => {
    test.slow();
    acceptDialogs(page);
    const tenant = await createTestTenant("domains");
    const other = await createTestTenant("domains2");
    const hostname = `shop-${tenant.slug}.example.test`;
    await signIn(page, tenant, tenant.ownerEmail);
    await page.goto(tenant.url("/settings"));
    await expect(page.getByTestId("no-domains")).toBeVisible();

    const add = page.getByTestId("add-domain-form");
    await add.getByLabel("Hostname").fill("not a hostname");
    await add.getByRole("button", { name: "Add domain" }).click();
    await expect(page.getByTestId("error-hostname")).toContainText("fully qualified hostname");
    await add.getByLabel("Hostname").fill(hostname);
    await add.getByRole("button", { name: "Add domain" }).click();
    const row = page.getByTestId(`domain-${hostname}`);
    await expect(row.getByTestId("domain-status")).toHaveText("Pending verification");
    await expect(row.getByTestId("txt-name")).toHaveValue(`_platform-verify.${hostname}`);
    const token = await row.getByTestId("txt-value").inputValue();
    expect(token).toMatch(/^platform-verify=/);

    // Pending: not routed.
    await expectNotFoundPage(page, url(hostname, "/sign-in"));
    await page.goto(tenant.url("/settings"));

    // Not published yet: a readable refusal, still pending.
    await row.getByTestId("verify-domain").click();
    await expect(row.getByTestId("verify-domain-error")).toContainText("does not hold");
    await expect(row.getByTestId("domain-status")).toHaveText("Pending verification");

    dns.txt.set(`_platform-verify.${hostname}`, [token]);
    await row.getByTestId("verify-domain").click();
    await expect(row.getByTestId("domain-status")).toHaveText("Verified");
    expect(dns.asked).toContain(`_platform-verify.${hostname}`);

    // Routed to this tenant within the bound.
    const visitor = await page.context().browser()!.newPage();
    await expect(async () => {
      expect(await open(visitor, url(hostname, "/sign-in"))).toBe(200);
    }).toPass({ timeout: 3_000 });
    await expect(visitor.getByTestId("tenant-name")).toHaveText(tenant.name);

    await row.getByTestId("primary-domain").click();
    await expect(row.getByTestId("domain-status")).toHaveText("Verified, primary");

    // The other tenant: cannot claim it, and does not see it.
    const otherPage = await page.context().browser()!.newPage();
    await signIn(otherPage, other, other.ownerEmail);
    await otherPage.goto(other.url("/settings"));
    await expect(otherPage.getByTestId("no-domains")).toBeVisible();
    await otherPage.getByTestId("add-domain-form").getByLabel("Hostname").fill(hostname);
    await otherPage.getByTestId("add-domain-form").getByRole("button", { name: "Add domain" }).click();
    await expect(otherPage.getByTestId("error-hostname")).toHaveText("is already claimed");
    await expect(otherPage.getByTestId("no-domains")).toBeVisible();
    await otherPage.close();

    await row.getByTestId("remove-domain").click();
    await expect(page.getByTestId("no-domains")).toBeVisible();
    await expect(async () => {
      expect(await open(visitor, url(hostname, "/sign-in"))).toBe(404);
    }).toPass({ timeout: 3_000 });
    await visitor.close();

    const actions = (await tenantDb(tenant.slug).auditLog.findMany({ where: { targetType: "domain", targetId: hostname }, orderBy: { seq: "asc" } })).map(
      (r) => r.action,
    );
    expect(actions).toEqual(["domain.added", "domain.verified", "domain.primary_set", "domain.removed"]);
  });
});
