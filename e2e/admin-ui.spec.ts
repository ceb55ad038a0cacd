// The tenant admin pages end to end (port 3100, production build): members (invite,
// role change, the object rules, removal), accepting an invitation, API keys against
// the real API, what a viewer may not open, and the owners' "require MFA" setting.
// Every test works in a tenant of its own (createTestTenant).
import { expect, test, type Page } from "@playwright/test";
import { permissionsOf } from "@/lib/auth/permissions";
import { totpCode } from "@/lib/auth/totp";
import { addTestMember, createTestTenant, onPort, signIn, signOut, submitPassword, testPassword, type TestTenant } from "./support";

const { server } = onPort(3100);

function acceptDialogs(page: Page) {
  page.on("dialog", (dialog) => void dialog.accept());
}

async function changeRole(page: Page, email: string, role: string) {
  const row = page.getByTestId(`member-${email}`);
  await row.getByLabel(`Role of ${email}`, { exact: true }).selectOption(role);
  await row.getByRole("button", { name: `Change role of ${email}` }).click();
  return row;
}

async function getMe(request: import("@playwright/test").APIRequestContext, tenant: TestTenant, key: string) {
  return request.get(`${server}/api/v1/me`, { headers: { host: `${tenant.host}:3100`, authorization: `Bearer ${key}` } });
}

test.describe("members page", () => {
  test("role change, the last-owner refusal, the owner-only rule and removal", async ({ page, browser }) => {
    const tenant = await createTestTenant("members");
    const alice = `alice@${tenant.slug}.test`;
    const bob = `bob@${tenant.slug}.test`;
    await addTestMember(tenant.slug, { email: alice, role: "member", name: "Alice Example" });
    await addTestMember(tenant.slug, { email: bob, role: "viewer" });
    acceptDialogs(page);

    await signIn(page, tenant, tenant.ownerEmail);
    await page.getByTestId("nav-members").click();
    await expect(page).toHaveURL(tenant.url("/members"));
    const aliceRow = page.getByTestId(`member-${alice}`);
    await expect(aliceRow).toContainText("Alice Example");
    await expect(aliceRow.getByTestId("member-role")).toHaveText("member");
    await expect(aliceRow.getByTestId("member-status")).toHaveText("active");
    await expect(aliceRow.getByTestId("member-mfa")).toHaveText("Off");
    await expect(aliceRow.getByTestId("member-locked")).toHaveText("No");

    await changeRole(page, alice, "admin");
    await expect(aliceRow.getByTestId("member-role")).toHaveText("admin");
    await expect(page.getByTestId(`member-message-${alice}-ok`)).toHaveText("Role changed.");

    // The only owner cannot step down.
    const ownerRow = await changeRole(page, tenant.ownerEmail, "admin");
    await expect(page.getByTestId(`member-message-${tenant.ownerEmail}`)).toHaveText(
      "An organisation must keep at least one owner: make someone else an owner first.",
    );
    await expect(ownerRow.getByTestId("member-role")).toHaveText("owner");
    // ... nor leave.
    await ownerRow.getByRole("button", { name: `Remove ${tenant.ownerEmail}` }).click();
    await expect(page.getByTestId(`member-message-${tenant.ownerEmail}`)).toHaveText(
      "An organisation must keep at least one owner: make someone else an owner first.",
    );
    await expect(ownerRow).toBeVisible();

    // An admin may not hand out the owner role, nor touch an owner.
    const adminContext = await browser.newContext();
    try {
      const admin = await adminContext.newPage();
      await signIn(admin, tenant, alice);
      await admin.goto(tenant.url("/members"));
      await changeRole(admin, bob, "owner");
      const ownerOnly = "Only an owner can give or take the owner role, or change or remove an owner.";
      await expect(admin.getByTestId(`member-message-${bob}`)).toHaveText(ownerOnly);
      await expect(admin.getByTestId(`member-${bob}`).getByTestId("member-role")).toHaveText("viewer");
      await changeRole(admin, tenant.ownerEmail, "member");
      await expect(admin.getByTestId(`member-message-${tenant.ownerEmail}`)).toHaveText(ownerOnly);
      // Unlocking is for owners: an admin gets no unlock controls at all.
      await expect(admin.getByRole("button", { name: /^Unlock / })).toHaveCount(0);
    } finally {
      await adminContext.close();
    }

    // Removal.
    await page
      .getByTestId(`member-${bob}`)
      .getByRole("button", { name: `Remove ${bob}` })
      .click();
    await expect(page.getByTestId(`member-${bob}`)).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId(`member-${bob}`)).toHaveCount(0);
    await expect(page.getByTestId(`member-${alice}`)).toBeVisible();
  });

  test("invite: the link is shown once; the invitee sets a password (policy enforced) and signs in", async ({ page, browser }) => {
    const tenant = await createTestTenant("invite");
    const newcomer = `newcomer@${tenant.slug}.test`;
    await signIn(page, tenant, tenant.ownerEmail);
    await page.goto(tenant.url("/members"));

    // Field errors from the library's schema.
    await page.getByLabel("Email", { exact: true }).fill("not-an-email");
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    await expect(page.getByTestId("error-email")).toHaveText("must be an email address");
    await expect(page.getByTestId("invite-result")).toHaveCount(0);

    await page.getByLabel("Email", { exact: true }).fill(newcomer);
    await page.getByLabel("Role", { exact: true }).selectOption("admin");
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    const link = page.getByTestId("invitation-link");
    await expect(link).toHaveValue(new RegExp(`^${tenant.url("/invite/").replace(/[.]/g, "\\.")}[A-Za-z0-9_-]{43}$`));
    const invitation = await link.inputValue();
    const row = page.getByTestId(`member-${newcomer}`);
    await expect(row.getByTestId("member-status")).toHaveText("invited");
    await expect(row.getByTestId("member-role")).toHaveText("admin");

    // Shown once: a fresh load of the page has no trace of the token.
    await page.reload();
    await expect(page.getByTestId("invitation-link")).toHaveCount(0);
    expect(await page.content()).not.toContain(invitation.split("/invite/")[1]);

    // The invitee, in a browser of their own.
    const inviteeContext = await browser.newContext();
    try {
      const invitee = await inviteeContext.newPage();
      await invitee.goto(invitation);
      await expect(invitee.getByTestId("invite-email")).toHaveText(newcomer);
      await invitee.getByLabel("Your name").fill("New Comer");
      await invitee.getByLabel("Password", { exact: true }).fill("short");
      await invitee.getByLabel("Repeat the password").fill("short");
      await invitee.getByRole("button", { name: "Set password and continue" }).click();
      await expect(invitee.getByTestId("error-password")).toHaveText("Use at least 12 characters.");
      await expect(invitee.getByLabel("Your name")).toHaveValue("New Comer"); // a refusal keeps the name

      await invitee.getByLabel("Password", { exact: true }).fill("password1234");
      await invitee.getByLabel("Repeat the password").fill("password1234");
      await invitee.getByRole("button", { name: "Set password and continue" }).click();
      await expect(invitee.getByTestId("error-password")).toHaveText("This password is too common; choose one that is harder to guess.");

      const chosen = "Violet-Harbour-Lamp-77";
      await invitee.getByLabel("Password", { exact: true }).fill(chosen);
      await invitee.getByLabel("Repeat the password").fill("Violet-Harbour-Lamp-78");
      await invitee.getByRole("button", { name: "Set password and continue" }).click();
      await expect(invitee.getByTestId("error-confirmPassword")).toHaveText("The two passwords differ.");

      await invitee.getByLabel("Password", { exact: true }).fill(chosen);
      await invitee.getByLabel("Repeat the password").fill(chosen);
      await invitee.getByRole("button", { name: "Set password and continue" }).click();
      // Accepting signs the new member in: no second trip through the sign-in form.
      await expect(invitee).toHaveURL((u) => u.pathname === "/");
      await expect(invitee.getByTestId("whoami-name")).toHaveText("New Comer");
      await expect(invitee.getByTestId("whoami-role")).toHaveText("admin");

      // The link worked once.
      await invitee.goto(invitation);
      await expect(invitee.getByTestId("invitation-invalid")).toBeVisible();
    } finally {
      await inviteeContext.close();
    }

    await page.reload();
    await expect(page.getByTestId(`member-${newcomer}`).getByTestId("member-status")).toHaveText("active");
  });

  test("a viewer sees members read-only and gets the 403 page on API keys", async ({ page }) => {
    const tenant = await createTestTenant("viewer");
    const viewer = `viewer@${tenant.slug}.test`;
    await addTestMember(tenant.slug, { email: viewer, role: "viewer" });
    await signIn(page, tenant, viewer);

    await expect(page.getByTestId("whoami-role")).toHaveText("viewer");
    await expect(page.getByTestId("nav-members")).toBeVisible();
    await expect(page.getByTestId("nav-account")).toBeVisible();
    await expect(page.getByTestId("nav-api-keys")).toHaveCount(0);
    await expect(page.getByTestId("nav-audit")).toHaveCount(0);

    const members = await page.goto(tenant.url("/members"));
    expect(members?.status()).toBe(200);
    await expect(page.getByTestId(`member-${tenant.ownerEmail}`)).toBeVisible();
    await expect(page.getByTestId("invite-form")).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^(Change role|Remove|Unlock) / })).toHaveCount(0);

    const keys = await page.goto(tenant.url("/api-keys"));
    expect(keys?.status()).toBe(403);
    await expect(page.getByTestId("forbidden")).toBeVisible();
    await expect(page.getByTestId("api-keys-table")).toHaveCount(0);
  });
});

test.describe("API keys page", () => {
  test("create (scopes limited to one's own), shown once, works as a Bearer token, then revoked is 401", async ({ page, request }) => {
    const tenant = await createTestTenant("apikeys");
    const admin = `admin@${tenant.slug}.test`;
    await addTestMember(tenant.slug, { email: admin, role: "admin" });
    acceptDialogs(page);
    await signIn(page, tenant, admin);
    await page.getByTestId("nav-api-keys").click();
    await expect(page).toHaveURL(tenant.url("/api-keys"));

    // Only the admin's own permissions are offered (read once the form replaced the skeleton).
    const scopeInputs = page.getByTestId("api-key-form").locator('input[name="scopes"]');
    await expect(scopeInputs.first()).toBeVisible();
    const offered = await scopeInputs.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(offered.sort()).toEqual([...permissionsOf("admin")].sort());
    expect(offered).not.toContain("settings:write");

    // Field errors.
    await page.getByRole("button", { name: "Create key", exact: true }).click();
    await expect(page.getByTestId("error-name")).toHaveText("Give the key a name.");
    await expect(page.getByTestId("error-scopes")).toHaveText("Choose at least one permission.");
    await page.getByLabel("Name", { exact: true }).fill("Past key");
    await page.getByLabel("members:read").check();
    await page.getByLabel("Expires on (optional)").fill("2001-01-01");
    await page.getByRole("button", { name: "Create key", exact: true }).click();
    await expect(page.getByTestId("error-expiresAt")).toHaveText("must be in the future");
    await expect(page.getByTestId("new-api-key")).toHaveCount(0);

    await page.getByLabel("Expires on (optional)").fill("");
    await page.getByLabel("Name", { exact: true }).fill("Billing sync");
    await page.getByRole("button", { name: "Create key", exact: true }).click();
    const shown = page.getByTestId("new-api-key");
    await expect(shown).toHaveValue(/^tpk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    await expect(page.getByTestId("api-key-created")).toContainText("shown only this once");
    const key = await shown.inputValue();
    const prefix = key.slice(0, 16);
    const row = page.getByTestId(`api-key-${prefix}`);
    await expect(row).toContainText("Billing sync");
    await expect(row).toContainText("members:read");
    await expect(row.getByTestId("api-key-status")).toHaveText("Active");

    await page.reload();
    await expect(page.getByTestId("new-api-key")).toHaveCount(0);
    expect(await page.content()).not.toContain(key);
    await expect(row.getByTestId("api-key-last-used")).toHaveText("Never");

    const me = await getMe(request, tenant, key);
    expect(me.status()).toBe(200);
    const body = (await me.json()) as { tenant: { slug: string }; principal: { type: string; prefix: string; name: string }; permissions: string[] };
    expect(body.tenant.slug).toBe(tenant.slug);
    expect(body.principal).toMatchObject({ type: "api_key", prefix, name: "Billing sync" });
    expect(body.permissions).toEqual(["members:read"]);

    await page.reload();
    await expect(row.getByTestId("api-key-status")).toHaveText("Active");
    await expect(row.getByTestId("api-key-last-used")).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+$/);
    await expect(row.getByTestId("api-key-last-used").locator("time")).toHaveAttribute("title", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);

    await row.getByRole("button", { name: "Revoke key Billing sync" }).click();
    await expect(row.getByTestId("api-key-status")).toContainText("Revoked");
    await expect(row.getByRole("button", { name: /^Revoke key/ })).toHaveCount(0);

    const after = await getMe(request, tenant, key);
    expect(after.status()).toBe(401);
  });
});

test.describe("require MFA for admins", () => {
  test("an owner turns it on and is sent to set up MFA before anything else", async ({ page }) => {
    test.slow();
    const tenant = await createTestTenant("mfareq");
    await signIn(page, tenant, tenant.ownerEmail);
    // The policy is on the Settings page (it was under My account).
    await page.goto(tenant.url("/settings"));
    const toggle = page.getByLabel("Require two-factor authentication for owners and admins");
    await expect(toggle).not.toBeChecked();
    await toggle.check();
    await page.getByTestId("settings-security-form").getByRole("button", { name: "Save" }).click();
    await expect(page).toHaveURL(tenant.url("/account?mfa=required"));
    await expect(page.getByTestId("mfa-required-notice")).toContainText("requires two-factor authentication");

    // Other pages now send the owner to the set-up.
    await page.goto(tenant.url("/members"));
    await expect(page).toHaveURL(tenant.url("/account?mfa=required"));
    await expect(page.getByTestId("mfa-required-notice")).toBeVisible();
    await expect(page.getByTestId("password-form")).toHaveCount(0);

    await page.getByTestId("mfa-start").click();
    const secret = (await page.getByTestId("mfa-secret").textContent())!.trim();
    await page.getByLabel("Code from the app").fill(totpCode(secret));
    await page.getByRole("button", { name: "Turn on", exact: true }).click();
    await expect(page.getByTestId("recovery-code")).toHaveCount(10);
    await page.getByRole("button", { name: "I have saved my recovery codes" }).click();
    await expect(page.getByTestId("mfa-required-notice")).toContainText("you are all set");
    // Required for the role, so it cannot be turned off.
    await expect(page.getByTestId("disable-mfa-form")).toContainText("cannot be turned off");

    await page.goto(tenant.url("/members"));
    await expect(page.getByTestId("members-table")).toBeVisible();
    await signOut(page);
    await submitPassword(page, tenant.ownerEmail, testPassword);
    await expect(page.getByTestId("mfa-step")).toBeVisible();
  });
});
