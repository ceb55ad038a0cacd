// Account lifecycle by email (issue 12) in Chromium and over the API, against the real
// server, PostgreSQL, Redis and the test stack's SMTP catcher: password reset, sign-in
// returning to the page asked for, invitations (email, resend, revoke, accept = signed
// in), email change confirmed at the new address; bad input gets problem+json.
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import {
  addTestMember,
  apiPassword,
  createTestTenant,
  expectProblem,
  freshTenant,
  linkIn,
  mailTo,
  onPort,
  submitPassword,
  tenantApi,
  waitForMail,
} from "./support";

const chosen = "Quiet-Meadow-Copper-58";
const pathOf = (link: string) => new URL(link).pathname;
// Each of these waits on server actions (argon2 sign-ins, mail) on a shared 2-core
// machine: generous waits for the page to catch up, never a claim about speed.
const settled = expect.configure({ timeout: 20_000 });

async function signIn(page: Page, tenant: { url: (path?: string) => string }, email: string, password = "Demo-Passw0rd-2026"): Promise<void> {
  await page.goto(tenant.url("/sign-in"));
  await submitPassword(page, email, password);
  await settled(page.getByTestId("whoami")).toBeVisible();
}

test.describe("account lifecycle in the browser", () => {
  test.describe.configure({ timeout: 120_000 });
  test("password reset: a link by email, a new password, every session signed out", async ({ page, browser }) => {
    const tenant = await createTestTenant("reset");
    // A session elsewhere, which the reset must end.
    const elsewhere = await browser.newContext();
    try {
      const other = await elsewhere.newPage();
      await signIn(other, tenant, tenant.ownerEmail);

      await page.goto(tenant.url("/sign-in"));
      await page.getByTestId("forgot-password-link").click();
      await settled(page).toHaveURL((u) => u.pathname === "/forgot-password");
      await page.getByLabel("Email").fill(tenant.ownerEmail);
      await page.getByRole("button", { name: "Send me a link" }).click();
      await settled(page.getByTestId("reset-requested")).toContainText(tenant.ownerEmail);

      const mail = await waitForMail(tenant.ownerEmail, { subject: /Reset your .* password/ });
      const link = linkIn(mail, /\/reset-password\//);
      expect(link.startsWith(tenant.url("/reset-password/"))).toBe(true);
      await page.goto(link);
      await settled(page.getByTestId("reset-email")).toHaveText(tenant.ownerEmail);
      await page.getByLabel("New password", { exact: true }).fill("short");
      await page.getByLabel("Repeat the new password").fill("short");
      await page.getByRole("button", { name: "Set the new password" }).click();
      await settled(page.getByTestId("error-password")).toHaveText("Use at least 12 characters.");
      await page.getByLabel("New password", { exact: true }).fill(chosen);
      await page.getByLabel("Repeat the new password").fill(chosen);
      await page.getByRole("button", { name: "Set the new password" }).click();
      await settled(page).toHaveURL((u) => u.pathname === "/sign-in");
      await settled(page.getByTestId("password-reset-done")).toBeVisible();
      await submitPassword(page, tenant.ownerEmail, chosen);
      await settled(page.getByTestId("whoami")).toBeVisible();

      // The other browser's session ended with the reset.
      await other.goto(tenant.url("/members"));
      await settled(other).toHaveURL((u) => u.pathname === "/sign-in");

      // The link worked once.
      await page.goto(link);
      await settled(page.getByTestId("reset-invalid")).toBeVisible();
    } finally {
      await elsewhere.close();
    }
  });

  test("sign-in returns to the page asked for, and only to a path on this host", async ({ page }) => {
    const tenant = await createTestTenant("next");
    await page.goto(tenant.url("/audit?limit=5"));
    await settled(page).toHaveURL((u) => u.pathname === "/sign-in" && u.searchParams.get("next") === "/audit?limit=5");
    await submitPassword(page, tenant.ownerEmail, "Demo-Passw0rd-2026");
    await settled(page).toHaveURL((u) => u.pathname === "/audit" && u.searchParams.get("limit") === "5");

    for (const evil of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
      await page.context().clearCookies();
      await page.goto(tenant.url(`/sign-in?next=${encodeURIComponent(evil)}`));
      await submitPassword(page, tenant.ownerEmail, "Demo-Passw0rd-2026");
      await settled(page.getByTestId("whoami")).toBeVisible();
      expect(new URL(page.url()).host).toBe(tenant.host + ":3100");
      expect(new URL(page.url()).pathname).toBe("/");
    }
  });

  test("invitations: emailed, resent (the old link stops working), revoked; accepting signs the member in", async ({ page, browser }) => {
    const tenant = await createTestTenant("invite");
    await signIn(page, tenant, tenant.ownerEmail);
    await page.goto(tenant.url("/members"));
    const newcomer = `newcomer-${randomBytes(3).toString("hex")}@${tenant.slug}.test`;
    await page.getByLabel("Email", { exact: true }).fill(newcomer);
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    await settled(page.getByTestId("invite-sent")).toContainText("the invitation email is on its way");
    const first = linkIn(await waitForMail(newcomer, { subject: /You are invited to/ }), /\/invite\//);
    await settled(page.getByTestId("invitation-link")).toHaveValue(first);

    await page.getByRole("button", { name: `Resend the invitation to ${newcomer}` }).click();
    await settled(page.getByTestId(`member-message-${newcomer}-ok`)).toHaveText("Invitation sent again; the previous link no longer works.");
    const second = linkIn(await waitForMail(newcomer, { count: 2 }), /\/invite\//);
    expect(second).not.toBe(first);

    const inviteeContext = await browser.newContext();
    try {
      const invitee = await inviteeContext.newPage();
      await invitee.goto(first);
      await settled(invitee.getByTestId("invitation-invalid")).toBeVisible();
      await invitee.goto(second);
      await invitee.getByLabel("Your name").fill("New Comer");
      await invitee.getByLabel("Password", { exact: true }).fill(chosen);
      await invitee.getByLabel("Repeat the password").fill(chosen);
      await invitee.getByRole("button", { name: "Set password and continue" }).click();
      // Signed in at once.
      await settled(invitee).toHaveURL((u) => u.pathname === "/");
      await settled(invitee.getByTestId("whoami-name")).toHaveText("New Comer");
    } finally {
      await inviteeContext.close();
    }

    // A second invitation, revoked: the member is gone and the link is dead.
    const other = `other-${randomBytes(3).toString("hex")}@${tenant.slug}.test`;
    await page.goto(tenant.url("/members"));
    await page.getByLabel("Email", { exact: true }).fill(other);
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    const otherLink = linkIn(await waitForMail(other), /\/invite\//);
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: `Revoke the invitation of ${other}` }).click();
    await settled(page.getByTestId(`member-${other}`)).toHaveCount(0);
    await page.goto(otherLink);
    await settled(page.getByTestId("invitation-invalid")).toBeVisible();
  });

  test("email change: confirmed at the new address, then used to sign in", async ({ page, browser }) => {
    const tenant = await createTestTenant("email");
    await signIn(page, tenant, tenant.ownerEmail);
    await page.goto(tenant.url("/account"));
    const target = `renamed-${randomBytes(3).toString("hex")}@${tenant.slug}.test`;
    const form = page.getByTestId("email-form");
    await form.getByLabel("New email address").fill(target);
    await form.getByLabel("Current password").fill("not the password");
    await form.getByRole("button", { name: "Change email" }).click();
    await settled(form.getByTestId("error-password")).toHaveText("Not your current password.");
    await form.getByLabel("Current password").fill("Demo-Passw0rd-2026");
    await form.getByRole("button", { name: "Change email" }).click();
    await settled(page.getByTestId("email-message-ok")).toContainText(target);
    expect((await waitForMail(tenant.ownerEmail, { subject: /is being changed/ })).text).toContain(target);
    const link = linkIn(await waitForMail(target, { subject: /Confirm your new/ }), /\/confirm-email\//);

    // Opened on another device, signed out.
    const phone = await browser.newContext();
    try {
      const p = await phone.newPage();
      await p.goto(link);
      await settled(p.getByTestId("confirm-email-change")).toContainText(target);
      await p.getByRole("button", { name: `Use ${target}` }).click();
      await settled(p.getByTestId("email-confirmed")).toContainText(target);
      await p.goto(link);
      await settled(p.getByTestId("confirm-email-invalid")).toBeVisible();
      await p.goto(tenant.url("/sign-in"));
      await submitPassword(p, target, "Demo-Passw0rd-2026");
      await settled(p.getByTestId("whoami")).toBeVisible();
    } finally {
      await phone.close();
    }
  });
});

test.describe("account lifecycle API", () => {
  test("password reset: the same 202 for any address, mail only for accounts, a single-use link, problem+json for bad input", async ({ request }) => {
    const slug = await freshTenant("rapi");
    const t = tenantApi(request, slug);
    const owner = `owner@${slug}.test`;
    const unknown = `ghost-${randomBytes(3).toString("hex")}@${slug}.test`;
    const xff = { "x-forwarded-for": `198.51.100.${1 + Math.floor(Math.random() * 200)}` };
    const known = await t.post("/api/v1/auth/password-reset", { email: owner }, undefined, xff);
    const ghost = await t.post("/api/v1/auth/password-reset", { email: unknown }, undefined, xff);
    expect(known.status()).toBe(202);
    expect(ghost.status()).toBe(202);
    expect(await known.json()).toEqual(await ghost.json());
    const token = pathOf(linkIn(await waitForMail(owner), /reset-password/))
      .split("/")
      .pop()!;
    await new Promise((r) => setTimeout(r, 300));
    expect(await mailTo(unknown)).toEqual([]);

    // Bad input: per-field problems, never a 500.
    for (const [body, field] of [
      [{ email: "ada\u0000@example.test" }, "email"],
      [{ email: `${"a".repeat(300)}@example.test` }, "email"],
      [{ email: owner, admin: true }, ""],
      [{}, "email"],
    ] as const) {
      const problem = await expectProblem(await t.post("/api/v1/auth/password-reset", body, undefined, xff), 400);
      expect((problem.errors as { path: string }[]).map((e) => e.path)).toContain(field);
    }
    await expectProblem(await t.post("/api/v1/auth/password-reset/confirm", { token: "x\u0000".repeat(20), password: chosen }, undefined, xff), 400);
    await expectProblem(await t.post("/api/v1/auth/password-reset/confirm", { token: "A".repeat(43), password: chosen }, undefined, xff), 400);

    // A token of this tenant is useless on another.
    const other = await freshTenant("rapi2");
    await expectProblem(await tenantApi(request, other).post("/api/v1/auth/password-reset/confirm", { token, password: chosen }, undefined, xff), 400);

    const weak = await expectProblem(await t.post("/api/v1/auth/password-reset/confirm", { token, password: "password1234" }, undefined, xff), 400);
    expect((weak.errors as { path: string }[]).map((e) => e.path)).toEqual(["password"]);
    const done = await t.post("/api/v1/auth/password-reset/confirm", { token, password: chosen }, undefined, xff);
    expect(done.status()).toBe(200);
    expect(await done.json()).toMatchObject({ email: owner });
    await expectProblem(await t.post("/api/v1/auth/password-reset/confirm", { token, password: chosen }, undefined, xff), 400);
    const signIn = await t.post("/api/v1/auth/token", { email: owner, password: chosen });
    expect(signIn.status()).toBe(200);
  });

  test("password reset requests are rate limited per client address", async ({ request }) => {
    const slug = await freshTenant("rlim");
    const t = tenantApi(request, slug);
    const xff = { "x-forwarded-for": `192.0.2.${1 + Math.floor(Math.random() * 200)}` };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await t.post("/api/v1/auth/password-reset", { email: `x${i}@${slug}.test` }, undefined, xff)).status());
    expect(statuses.slice(0, 10)).toEqual(Array<number>(10).fill(202));
    const limited = await t.post("/api/v1/auth/password-reset", { email: `y@${slug}.test` }, undefined, xff);
    await expectProblem(limited, 429);
    expect(Number(limited.headers()["retry-after"])).toBeGreaterThan(0);
  });

  test("email change over the API: users only, password checked, 409 for a taken address, confirmed by the link", async ({ request }) => {
    const slug = await freshTenant("eapi");
    const t = tenantApi(request, slug);
    const { access_token: owner } = await t.token();
    await expectProblem(await t.post("/api/v1/me/email", { newEmail: `n@${slug}.test`, password: apiPassword }), 401);
    const key = (await (await t.post("/api/v1/api-keys", { name: "k", scopes: ["members:read"] }, owner)).json()) as { key: string };
    await expectProblem(await t.post("/api/v1/me/email", { newEmail: `n@${slug}.test`, password: apiPassword }, key.key), 403);
    await addTestMember(slug, { email: `taken@${slug}.test`, role: "viewer", password: apiPassword });
    await expectProblem(await t.post("/api/v1/me/email", { newEmail: `taken@${slug}.test`, password: apiPassword }, owner), 409);
    const wrong = await expectProblem(await t.post("/api/v1/me/email", { newEmail: `n@${slug}.test`, password: "nope" }, owner), 400);
    expect((wrong.errors as { path: string }[]).map((e) => e.path)).toEqual(["password"]);
    await expectProblem(await t.post("/api/v1/me/email", { newEmail: "not an email", password: apiPassword, extra: 1 }, owner), 400);

    const target = `moved-${randomBytes(3).toString("hex")}@${slug}.test`;
    const asked = await t.post("/api/v1/me/email", { newEmail: target, password: apiPassword }, owner);
    expect(asked.status()).toBe(202);
    const token = pathOf(linkIn(await waitForMail(target), /confirm-email/))
      .split("/")
      .pop()!;
    const other = await freshTenant("eapi2");
    await expectProblem(await tenantApi(request, other).post("/api/v1/me/email/confirm", { token }), 400);
    const confirmed = await t.post("/api/v1/me/email/confirm", { token });
    expect(confirmed.status()).toBe(200);
    expect(await confirmed.json()).toEqual({ email: target });
    const me = (await (await t.get("/api/v1/me", owner)).json()) as { principal: { email: string } };
    expect(me.principal.email).toBe(target);
    await expectProblem(await t.post("/api/v1/me/email/confirm", { token }), 400);
  });

  test("invitations over the API: emailed on creation, resent, revoked; 401/403/404/409 where they apply", async ({ request }) => {
    const slug = await freshTenant("iapi");
    const t = tenantApi(request, slug);
    const { access_token: owner } = await t.token();
    const invitee = `inv-${randomBytes(3).toString("hex")}@${slug}.test`;
    const created = await t.post("/api/v1/users", { email: invitee, role: "member" }, owner);
    expect(created.status()).toBe(201);
    const body = (await created.json()) as { id: string; invitation_url: string; invitation_sent: boolean };
    expect(body.invitation_sent).toBe(true);
    expect(linkIn(await waitForMail(invitee), /\/invite\//)).toBe(body.invitation_url);

    await expectProblem(await t.post(`/api/v1/users/${body.id}/invitation`, {}), 401);
    await addTestMember(slug, { email: `viewer@${slug}.test`, role: "viewer", password: apiPassword });
    const { access_token: viewer } = await t.token(`viewer@${slug}.test`);
    await expectProblem(await t.post(`/api/v1/users/${body.id}/invitation`, {}, viewer), 403);
    await expectProblem(await t.delete(`/api/v1/users/${body.id}/invitation`, viewer), 403);

    const resent = await t.post(`/api/v1/users/${body.id}/invitation`, {}, owner);
    expect(resent.status()).toBe(200);
    const again = (await resent.json()) as { sent: boolean; invitation_url: string; expires_at: string };
    expect(again.sent).toBe(true);
    expect(again.invitation_url).not.toBe(body.invitation_url);
    expect(linkIn(await waitForMail(invitee, { count: 2 }), /\/invite\//)).toBe(again.invitation_url);

    // Another tenant's member, an unknown id, a malformed id, an active member.
    const other = await freshTenant("iapi2");
    const { access_token: otherOwner } = await tenantApi(request, other).token();
    await expectProblem(await tenantApi(request, other).post(`/api/v1/users/${body.id}/invitation`, {}, otherOwner), 404);
    await expectProblem(await tenantApi(request, other).delete(`/api/v1/users/${body.id}/invitation`, otherOwner), 404);
    await expectProblem(await t.post(`/api/v1/users/${crypto.randomUUID()}/invitation`, {}, owner), 404);
    await expectProblem(await t.post(`/api/v1/users/not-a-uuid%00/invitation`, {}, owner), 404);
    const me = (await (await t.get("/api/v1/me", owner)).json()) as { principal: { id: string } };
    await expectProblem(await t.post(`/api/v1/users/${me.principal.id}/invitation`, {}, owner), 409);
    await expectProblem(await t.delete(`/api/v1/users/${me.principal.id}/invitation`, owner), 409);

    const revoked = await t.delete(`/api/v1/users/${body.id}/invitation`, owner);
    expect(revoked.status()).toBe(204);
    await expectProblem(await t.get(`/api/v1/users/${body.id}`, owner), 404);
    const page = await request.get(onPort(3100).url("127.0.0.1", pathOf(again.invitation_url)), onPort(3100).onHost(`${slug}.localhost`));
    expect(await page.text()).toContain("invitation-invalid");
  });
});
