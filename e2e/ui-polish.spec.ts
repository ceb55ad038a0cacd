// The admin UI on bad data and small screens (issue 12, section 6), with screenshots at
// 1280 px and 390 px: times in the viewer's zone with UTC and seconds on hover
// (components/time.tsx), permission names with descriptions, dark mode that follows the
// system, maxlength on every text input from the schemas' limits (lib/zod/limits.ts),
// and long values cut short with the full value on hover (components/truncated-text.tsx).
import { randomBytes } from "node:crypto";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { permissionLabels } from "@/lib/auth/permission-labels";
import { totpCode } from "@/lib/auth/totp";
import { createIntegration } from "@/lib/integrations/integrations";
import { createOperator } from "@/lib/operators/create-operator";
import { createOrganization } from "@/lib/organizations/organizations";
import { textLimits } from "@/lib/zod/limits";
import { addTestMember, createTestTenant, signIn } from "./support";

const setup = systemContext("e2e setup");
const widths = [1280, 390] as const;

/** A full-page screenshot, kept as a file in the test's output folder and attached to the report. */
async function shoot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/** React logs a hydration mismatch (#418 in production) as a console error: collect them all. */
function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

const pad = (n: number) => String(n).padStart(2, "0");
/** "2026-11-27 20:14:05" for a Date's UTC fields shifted by `offsetHours`, computed without Intl. */
function wallClock(date: Date, offsetHours: number): string {
  const d = new Date(date.getTime() + offsetHours * 3_600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Every <time> on the page: text in Tokyo (UTC+9, no DST), title in UTC, both with seconds. */
async function expectTokyoTimes(page: Page, atLeast: number) {
  const times = page.locator("main time");
  await expect.poll(() => times.count()).toBeGreaterThanOrEqual(atLeast);
  for (const time of await times.all()) {
    const iso = await time.getAttribute("datetime");
    expect(iso).toMatch(/^[+-]?\d{4,6}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const date = new Date(iso!);
    await expect(time).toHaveText(`${wallClock(date, 9)} GMT+9`);
    await expect(time).toHaveAttribute("title", `${wallClock(date, 0)} UTC`);
  }
}

test.describe("times in the viewer's zone", () => {
  test.use({ timezoneId: "Asia/Tokyo" });

  test("tenant pages and the console show Tokyo time with seconds, and UTC with seconds on hover, without hydration errors", async ({ page }, testInfo) => {
    const tenant = await createTestTenant("uitime");
    await createOrganization(tenant.slug, { name: "Tokyo office" }, setup);
    await createIntegration(tenant.slug, { name: "Clock feed", kind: "webhook", scheme: "github" }, setup);
    const errors = consoleErrors(page);
    await signIn(page, tenant, tenant.ownerEmail);
    // The browser really is in Tokyo.
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe("Asia/Tokyo");

    for (const width of widths) {
      await page.setViewportSize({ width, height: 844 });
      // The audit log: sign-in and set-up rows, several in the same minute.
      await page.goto(tenant.url("/audit"));
      await expectTokyoTimes(page, 3);
      await shoot(page, testInfo, `times-audit-${width}`);
    }
    for (const path of ["/account", "/organizations", "/integrations"]) {
      await page.goto(tenant.url(path));
      await expectTokyoTimes(page, 1);
    }
    // The server's HTML carries the UTC text: nothing in it depends on the viewer.
    const html = await page.evaluate(async () => (await fetch("/integrations")).text());
    expect(html).toMatch(/<time [^>]*title="\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC"[^>]*>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC<\/time>/i);
    expect(errors.filter((e) => /hydrat|#418|#423|#425/i.test(e))).toEqual([]);
  });
});

test("permissions are shown with a name and a one-line description: roles on the members page, the API key form and list", async ({ page }, testInfo) => {
  const tenant = await createTestTenant("uiperm");
  await signIn(page, tenant, tenant.ownerEmail);
  const read = permissionLabels["members:read"];

  for (const width of widths) {
    await page.setViewportSize({ width, height: 844 });
    await page.goto(tenant.url("/members"));
    const viewer = page.getByTestId("role-viewer");
    await expect(viewer).toContainText(read.name);
    await expect(viewer).toContainText("members:read");
    await expect(viewer).toContainText(read.description);
    // The viewer may read members only; the owner holds every permission, each described.
    await expect(viewer.getByTestId("permission-description")).toHaveCount(1);
    const owner = page.getByTestId("role-owner");
    await expect(owner.getByTestId("permission-description")).toHaveCount(Object.keys(permissionLabels).length);
    await expect(owner).toContainText(permissionLabels["settings:write"].description);
    await page.getByRole("heading", { name: "Roles and what they may do" }).scrollIntoViewIfNeeded();
    await shoot(page, testInfo, `roles-${width}`);
  }

  await page.setViewportSize({ width: 1280, height: 844 });
  await page.goto(tenant.url("/api-keys"));
  const form = page.getByTestId("api-key-form");
  const checkbox = form.getByLabel("members:read");
  await expect(checkbox).toHaveCount(1);
  await expect(form.locator("label").filter({ hasText: "members:read" })).toContainText(read.description);
  await expect(form.locator("label").filter({ hasText: "audit:read" })).toContainText(permissionLabels["audit:read"].description);
  await form.getByLabel("Name", { exact: true }).fill("Directory sync");
  await checkbox.check();
  await form.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByTestId("api-key-created")).toBeVisible();
  const scopes = page.getByTestId("api-keys-table").getByTestId("api-key-scopes");
  await expect(scopes).toContainText(`${read.name} members:read`);
  await expect(scopes.getByTestId("permission-name")).toHaveAttribute("title", read.description);
  await shoot(page, testInfo, "api-key-permissions-1280");
});

/**
 * sRGB relative luminance of an element's text colour, or of the background it is seen
 * on (its own, else the nearest ancestor's that is not transparent). The browser turns
 * the colour (oklch included) into sRGB by painting it on a canvas.
 */
async function luminance(page: Page, selector: string, property: "backgroundColor" | "color"): Promise<number> {
  return page.evaluate(
    ([sel, prop]) => {
      const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true })!;
      const rgba = (css: string) => {
        ctx.clearRect(0, 0, 1, 1);
        ctx.fillStyle = css;
        ctx.fillRect(0, 0, 1, 1);
        return Array.from(ctx.getImageData(0, 0, 1, 1).data);
      };
      let el: Element | null = document.querySelector(sel);
      if (!el) throw new Error(`no ${sel}`);
      let px = rgba(getComputedStyle(el)[prop as "color"]);
      if (prop === "backgroundColor") {
        while (px[3] === 0 && el.parentElement) {
          el = el.parentElement;
          px = rgba(getComputedStyle(el).backgroundColor);
        }
      }
      const [r, g, b] = px.slice(0, 3).map((v) => {
        const c = v / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    },
    [selector, property] as const,
  );
}

const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

/** Dark page, light text; cards, inputs, table headers and the header bar dark as well, their text at WCAG AA contrast or better. */
async function expectDark(page: Page, parts: string[]) {
  // Sections stream in after the skeleton: measure them once they are there.
  for (const selector of parts) await page.locator(selector).first().waitFor();
  const body = await luminance(page, "body", "backgroundColor");
  const text = await luminance(page, "body", "color");
  expect(body, "page background").toBeLessThan(0.03);
  expect(text, "page text").toBeGreaterThan(0.7);
  for (const selector of parts) {
    const bg = await luminance(page, selector, "backgroundColor");
    expect(bg, `${selector} background`).toBeLessThan(0.05);
    expect(contrast(bg, await luminance(page, selector, "color")), `${selector} text contrast`).toBeGreaterThanOrEqual(4.5);
  }
}

test("dark mode follows the system: tenant pages, sign-in and the console are dark with light text, at 1280 and 390 px", async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const tenant = await createTestTenant("uidark");
  await createIntegration(tenant.slug, { name: "Night feed", kind: "webhook", scheme: "github" }, setup);

  // Light by default (so the dark checks below can tell the difference).
  await page.goto(tenant.url("/sign-in"));
  expect(await luminance(page, "body", "backgroundColor")).toBeGreaterThan(0.9);

  await page.emulateMedia({ colorScheme: "dark" });
  for (const width of widths) {
    await page.setViewportSize({ width, height: 844 });
    await page.goto(tenant.url("/sign-in"));
    await expectDark(page, ["[data-testid=page-header]", "input[type=email]"]);
    await shoot(page, testInfo, `dark-sign-in-${width}`);
  }
  await signIn(page, tenant, tenant.ownerEmail);
  const pages: [string, string[]][] = [
    ["/members", ["[data-testid=page-header]", "main section", "#invite-email", "[data-testid=members-table] thead", "[data-testid=members-table] td"]],
    ["/api-keys", ["main section", "#api-key-name", "[data-testid=api-keys-table] thead"]],
    ["/integrations", ["main section", "[data-testid=integrations-table] td"]],
    ["/settings", ["main section", "main input[name=displayName]"]],
    ["/audit", ["[data-testid=audit-rows]", "[data-testid=audit-action]"]],
    ["/account", ["main section"]],
  ];
  for (const width of widths) {
    await page.setViewportSize({ width, height: 844 });
    for (const [path, parts] of pages) {
      await page.goto(tenant.url(path));
      await expectDark(page, parts);
      await shoot(page, testInfo, `dark-${path.slice(1)}-${width}`);
    }
  }

  // The operator console, signed in (enrolment through its own sign-in page).
  const op = await createOperator(`op-${randomBytes(4).toString("hex")}@ops.test`, setup);
  const root = "http://localhost:3100";
  await page.goto(`${root}/platform/sign-in`);
  await expectDark(page, ["input[type=email]"]);
  await page.getByLabel("Email").fill(op.email);
  await page.getByLabel("Password", { exact: true }).fill(op.setupPassword);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  await page.getByLabel("Authentication code").fill(totpCode(secret));
  await page.getByLabel("New password", { exact: true }).fill("operator passphrase 2026 dark");
  await page.getByLabel("Repeat the new password").fill("operator passphrase 2026 dark");
  await page.getByRole("button", { name: "Confirm and sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/platform/tenants");
  for (const width of widths) {
    await page.setViewportSize({ width, height: 844 });
    await page.goto(`${root}/platform/tenants?q=${tenant.slug}`);
    await expectDark(page, ["[data-testid=page-header]", "[data-testid=tenants-table] td", "main input[name=q]"]);
    await shoot(page, testInfo, `dark-console-${width}`);
  }
});

/** Text-like inputs and textareas of the page's forms (read-only copy fields aside). */
const textInputs =
  "main form :is(input:not([type]), input[type=text], input[type=email], input[type=url], input[type=password], input[type=search], textarea):not([readonly])";

async function expectMaxLengths(page: Page, atLeast: number) {
  const inputs = page.locator(textInputs);
  await expect.poll(() => inputs.count()).toBeGreaterThanOrEqual(atLeast);
  for (const input of await inputs.all()) {
    const name = await input.getAttribute("name");
    const max = Number(await input.getAttribute("maxlength"));
    expect(Number.isInteger(max) && max > 0, `maxlength of ${name} on ${page.url()}`).toBe(true);
  }
}

test("every text input and textarea of the admin forms has a maxlength, taken from the schemas' limits", async ({ page }) => {
  test.setTimeout(60_000);
  const tenant = await createTestTenant("uimax");
  const { integration } = await createIntegration(tenant.slug, { name: "Bounded feed", kind: "webhook", scheme: "hmac-sha256" }, setup);
  const org = await createOrganization(tenant.slug, { name: "Bounded org" }, setup);
  await signIn(page, tenant, tenant.ownerEmail);

  const pages: [string, number][] = [
    ["/members", 2],
    ["/api-keys", 1],
    ["/integrations", 1],
    [`/integrations/${integration.id}`, 3],
    ["/settings", 6],
    ["/organizations", 1],
    [`/organizations/${org.id}`, 1],
    ["/account", 4],
    ["/audit", 5],
  ];
  for (const [path, atLeast] of pages) {
    await page.goto(tenant.url(path));
    await expectMaxLengths(page, atLeast);
  }
  // The REST fields appear once the kind is switched.
  await page.goto(tenant.url("/integrations"));
  await page.getByLabel("Kind").selectOption("rest");
  await expect(page.locator("#create-base-url")).toHaveAttribute("maxlength", String(textLimits.url));
  await expectMaxLengths(page, 5);

  // The numbers are the schemas', and the browser holds typing to them.
  await page.goto(tenant.url("/members"));
  await expect(page.locator("#invite-email")).toHaveAttribute("maxlength", String(textLimits.email));
  await expect(page.locator("#invite-name")).toHaveAttribute("maxlength", String(textLimits.name));
  // Typed again if React's hydration reset the field under the first attempt.
  await expect(async () => {
    await page.locator("#invite-name").fill("");
    await page.locator("#invite-name").pressSequentially("x".repeat(textLimits.name + 20), { delay: 0 });
    await expect(page.locator("#invite-name")).toHaveValue("x".repeat(textLimits.name), { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await page.goto(tenant.url("/settings"));
  await expect(page.locator("input[name=displayName]")).toHaveAttribute("maxlength", String(textLimits.name));
  await expect(page.locator("input[name='branding.logoUrl']")).toHaveAttribute("maxlength", String(textLimits.logoUrl));
});

test("a 100-character name without spaces is cut short with the full name on hover, and the row's actions stay reachable at 1280 and 390 px", async ({
  page,
}, testInfo) => {
  const tenant = await createTestTenant("uilong");
  const longName = `Maximiliana${"x".repeat(100 - "Maximiliana".length - 3)}end`;
  expect(longName).toHaveLength(100);
  const email = `long-${"y".repeat(40)}@${tenant.slug}.test`;
  await addTestMember(tenant.slug, { email, role: "member", name: longName });
  // And an invitation with the same name, made through the form.
  await signIn(page, tenant, tenant.ownerEmail);
  await page.goto(tenant.url("/members"));
  const invitee = `invitee@${tenant.slug}.test`;
  await page.locator("#invite-email").fill(invitee);
  await page.locator("#invite-name").fill(longName);
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  await expect(page.getByTestId("invite-result")).toBeVisible();

  for (const width of widths) {
    await page.setViewportSize({ width, height: 844 });
    await page.goto(tenant.url("/members"));
    for (const who of [email, invitee]) {
      const row = page.getByTestId(`member-${who}`);
      const name = row.getByTestId("member-name");
      await expect(name).toHaveAttribute("title", longName);
      await expect(name).toHaveText(longName);
      // Laid out, not still in the hidden box a streamed section arrives in (its size there is 0).
      await expect(name).toBeVisible();
      // Cut short: the box is narrower than its text.
      const { client, scroll } = await name.evaluate((el) => ({ client: el.clientWidth, scroll: el.scrollWidth }));
      expect(client).toBeLessThan(scroll);
      await expect(row.getByTestId("member-email")).toHaveAttribute("title", who);

      const remove = row.getByRole("button", { name: `Remove ${who}` });
      const changeRole = row.getByRole("button", { name: `Change role of ${who}` });
      if (width === 1280) {
        // Everything fits: the actions are on screen without any scrolling sideways.
        for (const button of [remove, changeRole]) {
          await expect(button).toBeInViewport({ ratio: 1 });
          const box = (await button.boundingBox())!;
          expect(box.x + box.width).toBeLessThanOrEqual(width);
        }
        const table = await page
          .getByTestId("members-table")
          .evaluate((el) => ({ client: el.parentElement!.clientWidth, scroll: el.parentElement!.scrollWidth }));
        expect(table.scroll).toBeLessThanOrEqual(table.client);
      } else {
        // A phone: the table scrolls inside its own box, the page does not, and the actions are reachable.
        expect(await page.getByTestId("members-table").evaluate((el) => getComputedStyle(el.parentElement!).overflowX)).toBe("auto");
        for (const button of [remove, changeRole]) {
          await button.scrollIntoViewIfNeeded();
          await expect(button).toBeInViewport({ ratio: 1 });
        }
      }
    }
    // Nothing sticks out of the page sideways (named in the message when something does).
    const outside = await page.evaluate((w) => {
      const clipped = (el: Element) => {
        // An absolutely placed element escapes a scroll box that is not its containing block.
        if (["absolute", "fixed"].includes(getComputedStyle(el).position)) return false;
        for (let p = el.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== "visible") return true;
        return false;
      };
      return Array.from(document.querySelectorAll("body *"))
        .filter((el) => el.getBoundingClientRect().right > w + 1 && !clipped(el))
        .map(
          (el) =>
            `${el.tagName.toLowerCase()}.${String(el.getAttribute("class")).slice(0, 80)} [${el.getAttribute("data-testid") ?? ""}] right=${Math.round(el.getBoundingClientRect().right)}`,
        )
        .slice(0, 10);
    }, width);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), outside.join("\n")).toBeLessThanOrEqual(width);
    await page.getByTestId(`member-${email}`).scrollIntoViewIfNeeded();
    await shoot(page, testInfo, `long-name-${width}`);
  }
});
