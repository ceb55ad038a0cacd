// The browser sign-in UI end to end on the full stack (port 3100, production build):
// sign-in and sign-out, the session cookie's flags, the neutral wrong-password message,
// lockout and unlock, MFA enrolment and both kinds of second factor, session revoke,
// and a tenant's cookie being worthless on another tenant's host.
// Tests that change accounts get a tenant of their own (createTestTenant), so they
// cannot disturb each other or the demo tenants; acme and globex are only signed in to.
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { totpCode } from "@/lib/auth/totp";
import { addTestMember, createTestTenant, onPort, signIn, signOut, submitPassword, testPassword, type TestTenant } from "./support";

const { url } = onPort(3100);
const acme: Pick<TestTenant, "url"> = { url: (path = "/") => url("acme.localhost", path) };
const globex: Pick<TestTenant, "url"> = { url: (path = "/") => url("globex.localhost", path) };

/** Next's production build sets secure cookies, which get the __Secure- prefix. */
const sessionCookieName = "__Secure-platform.session";
const neutralMessage = "Incorrect email or password. After 5 failed attempts an account is locked for 15 minutes.";

async function sessionCookie(context: BrowserContext, host: string) {
  const cookies = await context.cookies(`http://${host}:3100/`);
  return cookies.find((c) => c.name === sessionCookieName);
}

async function expectSentToSignIn(page: Page, address: string) {
  await page.goto(address);
  await expect(page).toHaveURL((u) => u.pathname === "/sign-in");
  await expect(page.getByTestId("password-step")).toBeVisible();
}

test.describe("sign-in UI", () => {
  test("sign in and out on acme; the session cookie is HttpOnly, SameSite=Lax and Secure", async ({ page, context }) => {
    await page.goto(acme.url("/"));
    await expect(page.getByTestId("home-sign-in")).toBeVisible();
    await signIn(page, acme, "owner@acme.test");

    await expect(page.getByTestId("whoami-role")).toHaveText("owner");
    await expect(page.getByTestId("header-user")).toHaveText("owner@acme.test");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome to Acme Inc");
    for (const id of ["nav-members", "nav-account", "nav-api-keys", "nav-audit"]) await expect(page.getByTestId(id)).toBeVisible();

    const cookie = await sessionCookie(context, "acme.localhost");
    expect(cookie, `a ${sessionCookieName} cookie on acme.localhost`).toBeDefined();
    expect(cookie).toMatchObject({ domain: "acme.localhost", path: "/", httpOnly: true, sameSite: "Lax", secure: true });
    // Host-only: no leading dot, so globex.localhost (or any sibling) never receives it.
    expect(cookie!.domain.startsWith(".")).toBe(false);

    // /sign-in still works when signed in, and offers the way home.
    await page.goto(acme.url("/sign-in"));
    await expect(page.getByTestId("signed-in-notice")).toContainText("owner@acme.test");
    await page.getByTestId("signed-in-home").click();
    await expect(page).toHaveURL(acme.url("/"));
    await expect(page.getByTestId("whoami")).toBeVisible();

    await signOut(page);
    expect(await sessionCookie(context, "acme.localhost")).toBeUndefined();
    await expectSentToSignIn(page, acme.url("/members"));

    // Sign-out revoked the server-side session: replaying the old cookie gets nowhere.
    await context.addCookies([cookie!]);
    await expectSentToSignIn(page, acme.url("/account"));
    await page.goto(acme.url("/"));
    await expect(page.getByTestId("whoami")).toHaveCount(0);
  });

  test("wrong credentials get one neutral message; empty fields get field errors", async ({ page }) => {
    const tenant = await createTestTenant("signin");
    await page.goto(tenant.url("/sign-in"));

    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByTestId("error-email")).toHaveText("Enter your email address.");
    await expect(page.getByTestId("error-password")).toHaveText("Enter your password.");
    await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByTestId("sign-in-error")).toHaveText("Check the fields marked above.");

    await submitPassword(page, tenant.ownerEmail, "not-the-password-2026");
    await expect(page.getByTestId("sign-in-error")).toHaveText(neutralMessage);
    await expect(page.getByTestId("error-email")).toHaveCount(0);
    // The address survives the failed attempt.
    await expect(page.getByLabel("Email")).toHaveValue(tenant.ownerEmail);

    // An unknown address reads exactly the same.
    await submitPassword(page, `nobody@${tenant.slug}.test`, testPassword);
    await expect(page.getByTestId("sign-in-error")).toHaveText(neutralMessage);
    await expect(page).toHaveURL((u) => u.pathname === "/sign-in");

    // The owner of another tenant is unknown here too.
    await submitPassword(page, "owner@acme.test", testPassword);
    await expect(page.getByTestId("sign-in-error")).toHaveText(neutralMessage);
  });

  test("five failures lock the account; the owner unlocks it on the members page", async ({ page, browser }) => {
    const tenant = await createTestTenant("lockout");
    const email = `locked@${tenant.slug}.test`;
    await addTestMember(tenant.slug, { email, role: "member" });

    await page.goto(tenant.url("/sign-in"));
    for (let i = 1; i <= 5; i++) {
      await submitPassword(page, email, `wrong-password-${i}-xyz`);
      await expect(page.getByTestId("sign-in-error")).toHaveText(neutralMessage);
    }
    // Locked: the right password is refused with the very same message.
    await submitPassword(page, email, testPassword);
    await expect(page.getByTestId("sign-in-error")).toHaveText(neutralMessage);
    await expect(page).toHaveURL((u) => u.pathname === "/sign-in");

    const ownerContext = await browser.newContext();
    try {
      const owner = await ownerContext.newPage();
      await signIn(owner, tenant, tenant.ownerEmail);
      await owner.getByTestId("nav-members").click();
      const row = owner.getByTestId(`member-${email}`);
      await expect(row.getByTestId("member-locked")).toContainText("Until");
      await row.getByRole("button", { name: `Unlock ${email}` }).click();
      await expect(row.getByTestId("member-locked")).toHaveText("No");
      await expect(row.getByRole("button", { name: `Unlock ${email}` })).toHaveCount(0);
    } finally {
      await ownerContext.close();
    }

    await signIn(page, tenant, email);
    await expect(page.getByTestId("whoami-role")).toHaveText("member");
  });

  test("MFA: enrol with the QR secret, then sign in with a TOTP code and with a recovery code", async ({ page }) => {
    test.slow();
    const tenant = await createTestTenant("mfa");
    await signIn(page, tenant, tenant.ownerEmail);
    await page.getByTestId("nav-account").click();
    await expect(page.getByTestId("mfa-status")).toContainText("off");

    await page.getByTestId("mfa-start").click();
    await expect(page.getByTestId("mfa-qr")).toHaveAttribute("src", /^data:image\/png;base64,/);
    const secret = (await page.getByTestId("mfa-secret").textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    // A wrong code is refused with a field error; the set-up stays open.
    await page.getByLabel("Code from the app").fill(totpCode(secret, Date.now() - 10 * 60_000));
    await page.getByRole("button", { name: "Turn on", exact: true }).click();
    await expect(page.getByTestId("error-code")).toHaveText("Wrong code.");
    await expect(page.getByTestId("mfa-confirm-error")).toContainText("That code is not right");

    await page.getByLabel("Code from the app").fill(totpCode(secret));
    await page.getByRole("button", { name: "Turn on", exact: true }).click();
    await expect(page.getByTestId("recovery-code")).toHaveCount(10);
    const codes = await page.getByTestId("recovery-code").allTextContents();
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    await page.getByRole("button", { name: "I have saved my recovery codes" }).click();
    await expect(page.getByTestId("recovery-codes")).toHaveCount(0);
    await expect(page.getByTestId("mfa-status")).toContainText("on");
    await expect(page.getByTestId("recovery-codes-left")).toHaveText("10 recovery codes left.");

    // TOTP sign-in: the password alone is not enough.
    await signOut(page);
    await submitPassword(page, tenant.ownerEmail, testPassword);
    await expect(page.getByTestId("mfa-step")).toBeVisible();
    await expect(page.getByTestId("whoami")).toHaveCount(0);
    await page.getByLabel("Authentication code").fill("000000");
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await expect(page.getByTestId("sign-in-error")).toContainText("That code is not right");
    await page.getByLabel("Authentication code").fill(totpCode(secret));
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await expect(page.getByTestId("whoami")).toBeVisible();

    // Recovery-code sign-in, which uses the code up.
    await signOut(page);
    await submitPassword(page, tenant.ownerEmail, testPassword);
    await page.getByLabel("Authentication code").fill(codes[0]!);
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await expect(page.getByTestId("whoami")).toBeVisible();
    await page.goto(tenant.url("/account"));
    await expect(page.getByTestId("recovery-codes-left")).toHaveText("9 recovery codes left.");
    await page.goto(tenant.url("/members"));
    await expect(page.getByTestId(`member-${tenant.ownerEmail}`).getByTestId("member-mfa")).toHaveText("On");

    await signOut(page);
    await submitPassword(page, tenant.ownerEmail, testPassword);
    await page.getByLabel("Authentication code").fill(codes[0]!);
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await expect(page.getByTestId("sign-in-error")).toContainText("That code is not right");
    await expect(page.getByTestId("whoami")).toHaveCount(0);
  });

  test("account: password change (errors shown, other sessions signed out), new recovery codes, MFA off", async ({ page, browser }) => {
    test.slow();
    const tenant = await createTestTenant("account");
    const chosen = "Copper-Meadow-Train-42";
    await signIn(page, tenant, tenant.ownerEmail);
    const other = await browser.newContext();
    try {
      const otherPage = await other.newPage();
      await signIn(otherPage, tenant, tenant.ownerEmail);

      await page.goto(tenant.url("/account"));
      const form = page.getByTestId("password-form");
      const submit = form.getByRole("button", { name: "Change password", exact: true });
      const fill = async (current: string, next: string, repeat = next) => {
        await form.getByLabel("Current password").fill(current);
        await form.getByLabel("New password", { exact: true }).fill(next);
        await form.getByLabel("Repeat the new password").fill(repeat);
        await submit.click();
      };
      await fill(testPassword, "tooshort");
      await expect(page.getByTestId("error-newPassword")).toHaveText("Use at least 12 characters.");
      await fill(testPassword, chosen, `${chosen}x`);
      await expect(page.getByTestId("error-confirmPassword")).toHaveText("The two new passwords differ.");
      await fill("Not-The-Current-One-1", chosen);
      await expect(page.getByTestId("error-currentPassword")).toHaveText("Not your current password.");
      await expect(page.getByTestId("password-message")).toHaveText("The current password is not right.");
      await fill(testPassword, chosen);
      await expect(page.getByTestId("password-message-ok")).toHaveText("Password changed. 1 other session was signed out.");

      // The other browser was signed out; this one was not.
      await expectSentToSignIn(otherPage, tenant.url("/account"));
      await page.goto(tenant.url("/account"));
      await expect(page.getByTestId("session-other")).toHaveCount(0);

      // The new password is the one that works now.
      await signOut(page);
      await submitPassword(page, tenant.ownerEmail, testPassword);
      await expect(page.getByTestId("sign-in-error")).toHaveText(neutralMessage);
      await signIn(page, tenant, tenant.ownerEmail, chosen);
    } finally {
      await other.close();
    }

    // MFA on, then new recovery codes, then off again.
    await page.goto(tenant.url("/account"));
    await page.getByTestId("mfa-start").click();
    const secret = (await page.getByTestId("mfa-secret").textContent())!.trim();
    await page.getByLabel("Code from the app").fill(totpCode(secret));
    await page.getByRole("button", { name: "Turn on", exact: true }).click();
    await expect(page.getByTestId("recovery-code")).toHaveCount(10);
    const first = await page.getByTestId("recovery-code").allTextContents();
    await page.getByRole("button", { name: "I have saved my recovery codes" }).click();

    const regenerate = page.getByTestId("regenerate-form");
    await regenerate.getByLabel("Code from the app").fill("123");
    await regenerate.getByRole("button", { name: "Generate new codes" }).click();
    await expect(page.getByTestId("regenerate-error")).toContainText("That code is not right");
    await regenerate.getByLabel("Code from the app").fill(totpCode(secret));
    await regenerate.getByRole("button", { name: "Generate new codes" }).click();
    await expect(page.getByTestId("recovery-code")).toHaveCount(10);
    const second = await page.getByTestId("recovery-code").allTextContents();
    expect(second.filter((c) => first.includes(c))).toEqual([]);
    await page.getByRole("button", { name: "I have saved my recovery codes" }).click();
    await expect(page.getByTestId("recovery-codes-left")).toHaveText("10 recovery codes left.");

    const disable = page.getByTestId("disable-mfa-form");
    await disable.getByLabel("Code from the app").fill(totpCode(secret));
    await disable.getByRole("button", { name: "Turn off two-factor authentication" }).click();
    await expect(page.getByTestId("mfa-status")).toContainText("off");
    await expect(page.getByTestId("mfa-start")).toBeVisible();
    await expect(page.getByTestId("mfa-setup")).toHaveCount(0); // the old QR code is not offered again

    // Signing in asks for the password only again.
    await signOut(page);
    await signIn(page, tenant, tenant.ownerEmail, chosen);
  });

  test("revoking a session from one browser signs the other out on its next navigation", async ({ page, browser }) => {
    const tenant = await createTestTenant("sessions");
    await signIn(page, tenant, tenant.ownerEmail);

    const other = await browser.newContext();
    try {
      const otherPage = await other.newPage();
      await signIn(otherPage, tenant, tenant.ownerEmail);
      await otherPage.goto(tenant.url("/account"));
      await expect(otherPage.getByTestId("session-other")).toHaveCount(1);

      await page.goto(tenant.url("/account"));
      await expect(page.getByTestId("session-current")).toHaveCount(1);
      await expect(page.getByTestId("session-current")).toContainText("This session");
      await expect(page.getByTestId("session-other")).toHaveCount(1);
      await expect(page.getByTestId("session-current").getByTestId("revoke-session")).toHaveCount(0);
      await page.getByTestId("session-other").getByTestId("revoke-session").click();
      await expect(page.getByTestId("session-other")).toHaveCount(0);

      // The other browser still holds its cookie, but the session behind it is gone.
      expect(await sessionCookie(other, tenant.host)).toBeDefined();
      await expectSentToSignIn(otherPage, tenant.url("/account"));

      // The revoking browser is unaffected.
      await page.goto(tenant.url("/members"));
      await expect(page.getByTestId("members-table")).toBeVisible();
    } finally {
      await other.close();
    }
  });

  test("acme's session cookie copied to globex.localhost is no session there", async ({ page, context }) => {
    await signIn(page, acme, "owner@acme.test");
    const cookie = await sessionCookie(context, "acme.localhost");
    expect(cookie).toBeDefined();

    // The browser itself never sends acme's host-only cookie to globex.
    await page.goto(globex.url("/"));
    await expect(page.getByTestId("tenant-name")).toHaveText("Globex Corporation");
    await expect(page.getByTestId("whoami")).toHaveCount(0);

    // Copied over by hand, it names acme's tenant and session: globex ignores it.
    await context.addCookies([{ ...cookie!, domain: "globex.localhost" }]);
    expect(await sessionCookie(context, "globex.localhost")).toBeDefined();
    await page.goto(globex.url("/"));
    await expect(page.getByTestId("whoami")).toHaveCount(0);
    await expect(page.getByTestId("header-sign-in")).toBeVisible();
    await expectSentToSignIn(page, globex.url("/members"));
    await expect(page.locator("body")).not.toContainText("owner@acme.test");

    const response = await page.goto(globex.url("/account"));
    expect(response?.request().redirectedFrom()?.url()).toBe(globex.url("/account"));
    // Sent to sign-in, which will return to the page asked for.
    await expect(page).toHaveURL(globex.url(`/sign-in?next=${encodeURIComponent("/account")}`));

    // Still signed in on acme.
    await page.goto(acme.url("/"));
    await expect(page.getByTestId("whoami-role")).toHaveText("owner");
  });
});
