// Organizations in Chromium: an owner creates one and makes a member its org_admin, who
// then manages its members without any tenant-wide permission; a plain member only
// reads; another tenant gets the 404 page for its address.
import { expect, test, type Page } from "@playwright/test";
import { closePool } from "@/lib/db/pool";
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
