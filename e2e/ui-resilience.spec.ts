// Pages that survive bad data (issue 12, section 6): a stored integration whose settings
// no longer parse makes its section's pages fail, and the section's error boundary
// (app/(tenant)/integrations/error.tsx) shows what happened with a way back (try again,
// the dashboard, sign out) instead of a bare 500; the rest of the workspace still works.
// Screenshots at 1280 px and 390 px.
import { expect, test } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { createIntegration } from "@/lib/integrations/integrations";
import { createTestTenant, signIn, signOut } from "./support";

const setup = systemContext("e2e setup");

test("a section whose stored data is broken fails alone, behind its error boundary, at 1280 and 390 px", async ({ page }, testInfo) => {
  const tenant = await createTestTenant("uibroken");
  const { integration } = await createIntegration(tenant.slug, { name: "Legacy feed", kind: "webhook", scheme: "github" }, setup);
  // What an old release or a hand edit could leave behind: settings the schema refuses.
  await withAudit(tenant.slug, setup, (tx) => tx.integration.update({ where: { id: integration.id }, data: { settings: { rateLimitPerMinute: "lots" } } }));
  await signIn(page, tenant, tenant.ownerEmail);

  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 844 });
    for (const path of ["/integrations", `/integrations/${integration.id}`]) {
      await page.goto(tenant.url(path));
      const boundary = page.getByTestId("error-boundary");
      await expect(boundary).toBeVisible();
      await expect(boundary.getByRole("heading", { name: "This page could not be shown" })).toBeVisible();
      await expect(page.getByTestId("error-reference")).toContainText(/\S+/);
      // Nothing of the error's own text reaches the page.
      await expect(page.locator("body")).not.toContainText("rateLimitPerMinute");
      await expect(page.locator("body")).not.toContainText("ZodError");
      for (const name of ["Try again", "Sign out"]) await expect(boundary.getByRole("button", { name })).toBeInViewport();
      await expect(page.getByTestId("error-home-link")).toBeInViewport();
    }
    await testInfo.attach(`error-boundary-${width}`, { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
  }

  // Try again re-renders (and fails the same way, without leaving the boundary).
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByTestId("error-boundary")).toBeVisible();
  // The rest of the workspace still works.
  await page.getByTestId("error-home-link").click();
  await expect(page.getByTestId("whoami")).toBeVisible();
  await page.goto(tenant.url("/members"));
  await expect(page.getByTestId("error-boundary")).toHaveCount(0);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  // Signing out from the boundary works too.
  await page.goto(tenant.url("/integrations"));
  await expect(page.getByTestId("error-boundary")).toBeVisible();
  await signOut(page);
});

test("the header marks the current page, and at 390 px collapses into a menu that reaches Sign out", async ({ page }, testInfo) => {
  const tenant = await createTestTenant("uinav");
  await signIn(page, tenant, tenant.ownerEmail);

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(tenant.url("/integrations"));
  await expect(page.getByTestId("header-nav-integrations")).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("header-nav-members")).not.toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("menu-button")).toBeHidden();
  await expect(page.getByTestId("sign-out")).toBeInViewport();
  await testInfo.attach("header-1280", { body: await page.screenshot(), contentType: "image/png" });
  // A page under a section marks the section.
  await page.goto(tenant.url("/audit/report"));
  await expect(page.getByTestId("header-nav-audit")).toHaveAttribute("aria-current", "page");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(tenant.url("/members"));
  const menu = page.getByTestId("menu-button");
  await expect(menu).toBeVisible();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(page.getByTestId("sign-out")).toBeHidden();
  // The header runs off no side of the screen (the members table's own width is another matter).
  expect(await page.locator("header").evaluate((el) => el.scrollWidth)).toBeLessThanOrEqual(390);
  await testInfo.attach("header-390-closed", { body: await page.screenshot(), contentType: "image/png" });
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByTestId("header-nav-members")).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("sign-out")).toBeInViewport();
  await testInfo.attach("header-390-open", { body: await page.screenshot(), contentType: "image/png" });
  await page.getByTestId("header-nav-account").click();
  await page.waitForURL((u) => u.pathname === "/account");
  await expect(page.getByTestId("sign-out")).toBeHidden();
  await menu.click();
  await signOut(page);
});
