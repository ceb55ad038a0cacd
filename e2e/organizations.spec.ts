// Organizations in Chromium: an owner creates one and makes a member its org_admin, who
// then manages its members without any tenant-wide permission; a plain member only
// reads; another tenant gets the 404 page for its address. Integrations are placed in an
// organization from the Integrations page.
import { expect, test, type Page } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { createOrganization } from "@/lib/organizations/organizations";
import { addTestMember, createTestTenant, open, signIn } from "./support";

function acceptDialogs(page: Page) {
  page.on("dialog", (dialog) => void dialog.accept());
}

test.afterAll(async () => {
  await closePool();
});

test("create an organization, delegate it to an org_admin, manage its members, delete it", async ({ page, browser }) => {
  test.slow();
  acceptDialogs(page);
  const tenant = await createTestTenant("orgs");
  const other = await createTestTenant("orgs2");
  const lead = `lead@${tenant.slug}.test`;
  const helper = `helper@${tenant.slug}.test`;
  await addTestMember(tenant.slug, { email: lead, role: "member" });
  await addTestMember(tenant.slug, { email: helper, role: "member" });

  await signIn(page, tenant, tenant.ownerEmail);
  await page.getByTestId("nav-organizations").click();
  await expect(page.getByTestId("no-organizations")).toBeVisible();
  const create = page.getByTestId("create-organization-form");
  await create.getByLabel("Name").fill("   ");
  await create.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByTestId("error-name")).toHaveText("must not be empty");
  await create.getByLabel("Name").fill("Customer One");
  await create.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByTestId("organization-Customer One")).toBeVisible();
  await create.getByLabel("Name").fill("Customer One");
  await create.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByTestId("error-name")).toHaveText("is already taken");

  await page.getByRole("link", { name: "Customer One" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Customer One");
  const orgUrl = page.url();
  const add = page.getByTestId("add-organization-member-form");
  await add.getByLabel("Member").selectOption({ label: lead });
  await add.getByLabel("Role in the organization").selectOption("org_admin");
  await add.getByRole("button", { name: "Add" }).click();
  await expect(page.getByTestId(`org-member-${lead}`).getByTestId("org-member-role")).toHaveText("Organization admin");

  // The org_admin, a plain member of the tenant, manages this organization's members.
  const leadPage = await browser.newPage();
  acceptDialogs(leadPage);
  await signIn(leadPage, tenant, lead);
  await leadPage.goto(orgUrl);
  await expect(leadPage.getByTestId("rename-organization-form")).toHaveCount(0);
  const leadAdd = leadPage.getByTestId("add-organization-member-form");
  await leadAdd.getByLabel("Member").selectOption({ label: helper });
  await leadAdd.getByRole("button", { name: "Add" }).click();
  await expect(leadPage.getByTestId(`org-member-${helper}`).getByTestId("org-member-role")).toHaveText("Member");
  await leadPage.close();

  // A plain organization member reads only.
  const helperPage = await browser.newPage();
  await signIn(helperPage, tenant, helper);
  await helperPage.goto(orgUrl);
  await expect(helperPage.getByTestId(`org-member-${lead}`)).toBeVisible();
  await expect(helperPage.getByTestId("add-organization-member-form")).toHaveCount(0);
  await expect(helperPage.getByRole("button", { name: `Remove ${lead}` })).toHaveCount(0);
  await helperPage.close();

  // Another tenant: the same path is the 404 page.
  const otherPage = await browser.newPage();
  await signIn(otherPage, other, other.ownerEmail);
  expect(await open(otherPage, other.url(new URL(orgUrl).pathname))).toBe(404);
  await otherPage.goto(other.url("/organizations"));
  await expect(otherPage.getByTestId("no-organizations")).toBeVisible();
  await otherPage.close();

  // A key scoped to the organization.
  await page.goto(tenant.url("/api-keys"));
  const keyForm = page.getByTestId("api-key-form");
  await keyForm.getByLabel("Name", { exact: true }).fill("Customer One sync");
  await keyForm.getByLabel("Organization (optional)").selectOption({ label: "Customer One" });
  await keyForm.getByLabel("organizations:read").check();
  await keyForm.getByRole("button", { name: "Create key", exact: true }).click();
  await expect(page.getByTestId("new-api-key")).toBeVisible();
  await expect(page.getByTestId("api-key-organization")).toHaveText("only Customer One");

  await page.goto(orgUrl);
  await page.getByRole("button", { name: `Remove ${helper}` }).click();
  await expect(page.getByTestId(`org-member-${helper}`)).toHaveCount(0);
  await page.getByTestId("delete-organization").click();
  await expect(page).toHaveURL(tenant.url("/organizations"));
  await expect(page.getByTestId("no-organizations")).toBeVisible();
  // Its scoped key went with it: never a tenant-wide key.
  await page.goto(tenant.url("/api-keys"));
  await expect(page.getByTestId("api-key-organization")).toHaveCount(0);
  await expect(page.getByTestId("api-keys-table")).toContainText("No API keys yet.");
});

test("an integration placed in an organization from the Integrations page; another tenant's organization is refused", async ({ page }) => {
  const tenant = await createTestTenant("orgint");
  const other = await createTestTenant("orgint2");
  const setup = systemContext("e2e setup");
  const sales = await createOrganization(tenant.slug, { name: "Sales" }, setup);
  await createOrganization(tenant.slug, { name: "Support" }, setup);
  const theirs = await createOrganization(other.slug, { name: "Theirs" }, setup);

  await signIn(page, tenant, tenant.ownerEmail);
  await page.goto(tenant.url("/integrations"));
  const form = page.getByTestId("create-integration-form");
  const select = form.getByLabel("Organization (optional)");
  await expect(select.locator("option")).toHaveText(["The whole tenant", "Sales", "Support"]);
  await form.getByLabel("Name").fill("Sales orders");
  await select.selectOption({ label: "Sales" });
  await form.getByRole("button", { name: "Create integration" }).click();
  await expect(page.getByTestId("integration-created")).toContainText("Sales orders");

  const created = await tenantDb(tenant.slug).integration.findFirstOrThrow({ where: { name: "Sales orders" } });
  expect(created.organizationId).toBe(sales.id);
  const audit = await tenantDb(tenant.slug).auditLog.findMany({ where: { action: "integration.created", targetId: created.id } });
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ actorType: "user", actorLabel: tenant.ownerEmail });
  await expect(page.getByTestId(`integration-${created.id}`).getByTestId("integration-organization")).toHaveText("only Sales");

  // Without a choice it is the whole tenant's.
  await form.getByLabel("Name").fill("Tenant-wide feed");
  await form.getByRole("button", { name: "Create integration" }).click();
  await expect(page.getByTestId("integration-created")).toContainText("Tenant-wide feed");
  const tenantWide = await tenantDb(tenant.slug).integration.findFirstOrThrow({ where: { name: "Tenant-wide feed" } });
  expect(tenantWide.organizationId).toBeNull();
  await expect(page.getByTestId(`integration-${tenantWide.id}`).getByTestId("integration-organization")).toHaveCount(0);

  await page.goto(tenant.url(`/integrations/${created.id}`));
  await expect(page.getByTestId("integration-scope")).toHaveText("Belongs to Sales: keys scoped to it can use it.");

  // A crafted form naming another tenant's organization: refused on the field, nothing created.
  await page.goto(tenant.url("/integrations"));
  await form.getByLabel("Name").fill("Smuggled");
  await select.evaluate((el, id) => {
    const option = (el as HTMLSelectElement).options[1]!;
    option.value = id;
    (el as HTMLSelectElement).value = id;
  }, theirs.id);
  await form.getByRole("button", { name: "Create integration" }).click();
  await expect(page.getByTestId("error-organizationId")).toContainText("no organization with this id");
  expect(await tenantDb(tenant.slug).integration.count({ where: { name: "Smuggled" } })).toBe(0);
  expect(await tenantDb(other.slug).integration.count()).toBe(0);
  // And one that is not an id at all, by the API's schema.
  await select.evaluate((el) => {
    const option = (el as HTMLSelectElement).options[1]!;
    option.value = "not-an-id";
    (el as HTMLSelectElement).value = "not-an-id";
  });
  await form.getByRole("button", { name: "Create integration" }).click();
  await expect(page.getByTestId("error-organizationId")).toContainText("must be an organization's id");
  expect(await tenantDb(tenant.slug).integration.count({ where: { name: "Smuggled" } })).toBe(0);
});
