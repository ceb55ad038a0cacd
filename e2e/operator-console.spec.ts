// The operator console end to end on the root domain (localhost:3100): TOTP enrolment at
// the first sign-in, the tenant list, create with the owner invited, suspend / resume /
// archive, domains, the platform audit page, verify and export; bad input as
// problem+json; never on a tenant's host; tenant sessions and operator sessions never
// cross.
import { randomBytes } from "node:crypto";
import { expect, request as playwrightRequest, test, type Page } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { verifyExportLines } from "@/lib/audit/verify-export";
import { totpCode } from "@/lib/auth/totp";
import { createOperator } from "@/lib/operators/create-operator";
import { createTestTenant, expectNotFoundPage, expectProblem, linkIn, onPort, signIn, testPassword, waitForMail } from "./support";

const root = "http://localhost:3100";
const newPassword = "operator passphrase 2026 blue";
const operatorCookie = "__Host-platform.operator";

async function newOperator() {
  return createOperator(`op-${randomBytes(4).toString("hex")}@ops.test`, systemContext("e2e setup"));
}

/** Enrols a fresh operator through the JSON API; returns its Cookie header value. */
// (In a request context of its own: the tests' `request` keeps a cookie jar, which would send it along unasked.)
async function operatorCookieHeader(): Promise<string> {
  const request = await playwrightRequest.newContext();
  const op = await newOperator();
  const first = await request.post(`${root}/platform/api/sign-in`, { data: { email: op.email, password: op.setupPassword } });
  expect(first.status(), await first.text()).toBe(200);
  const step = (await first.json()) as { step: string; challenge: string; enrolment: { secret: string } };
  expect(step.step).toBe("enrol");
  const enrol = await request.post(`${root}/platform/api/sign-in/enrol`, {
    data: { challenge: step.challenge, code: totpCode(step.enrolment.secret), newPassword },
  });
  expect(enrol.status(), await enrol.text()).toBe(200);
  const set = enrol.headers()["set-cookie"] ?? "";
  const value = new RegExp(`${operatorCookie.replace(/[.]/g, "\\.")}=([^;]+)`).exec(set)?.[1];
  expect(set).toMatch(/HttpOnly/i);
  expect(set).toMatch(/SameSite=Strict/i);
  expect(value).toBeTruthy();
  await request.dispose();
  return `${operatorCookie}=${value}`;
}

async function enrolInBrowser(page: Page): Promise<string> {
  const op = await newOperator();
  await page.goto(`${root}/platform/sign-in`);
  await page.getByLabel("Email").fill(op.email);
  await page.getByLabel("Password", { exact: true }).fill(op.setupPassword);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("enrol-step")).toBeVisible();
  await expect(page.getByAltText("TOTP QR code")).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  await page.getByLabel("Authentication code").fill(totpCode(secret));
  await page.getByLabel("New password", { exact: true }).fill(newPassword);
  await page.getByLabel("Repeat the new password").fill(newPassword);
  await page.getByRole("button", { name: "Confirm and sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/platform/tenants");
  await expect(page.getByTestId("operator-email")).toHaveText(op.email);
  return op.email;
}

test.describe("operator console", () => {
  test("enrol, create a tenant with its owner invited, suspend, resume, domains, archive, then the audit log verifies and exports", async ({ page }) => {
    test.setTimeout(120_000);
    await enrolInBrowser(page);

    const slug = `op-${randomBytes(3).toString("hex")}`;
    // Bad input first: the field's own message, nothing created.
    await page.getByLabel("Slug").fill("Not A Slug");
    await page.getByLabel("Name").fill("Console Co");
    await page.getByLabel("Owner email").fill(`owner@${slug}.test`);
    await page.getByRole("button", { name: "Create tenant" }).click();
    await expect(page.getByTestId("error-slug")).toContainText("lower-case letters");

    await page.getByLabel("Slug").fill(slug);
    await page.getByRole("button", { name: "Create tenant" }).click();
    // Emailed (the test stack catches mail), so the link is not on the page.
    await expect(page.getByTestId("create-tenant-message-ok")).toContainText(`the invitation was emailed to owner@${slug}.test`);
    await expect(page.getByTestId("invitation-link")).toHaveCount(0);
    await expect(page.getByTestId(`tenant-row-${slug}`)).toBeVisible();
    await expect(page.getByTestId(`tenant-row-${slug}`).getByTestId("tenant-members")).toHaveText("1");

    // The invitation works on the tenant's host.
    const mail = await waitForMail(`owner@${slug}.test`, { subject: /invited to run Console Co/ });
    const invitation = linkIn(mail, new RegExp(`^http://${slug}\\.localhost:3100/invite/`));
    const invitePage = await page.context().newPage();
    expect((await invitePage.goto(invitation))?.status()).toBe(200);
    await expect(invitePage.getByText(`owner@${slug}.test`)).toBeVisible();
    await invitePage.close();

    // Search finds it by name and by status.
    await page.goto(`${root}/platform/tenants?q=${slug}&status=active`);
    await expect(page.getByTestId("tenant-total")).toHaveText("1 tenant");
    await page.getByRole("link", { name: slug, exact: true }).click();
    await expect(page.getByTestId("tenant-title")).toHaveText(slug);
    await expect(page.getByTestId("dead-letters")).toContainText("0");

    await page.getByTestId("tenant-suspend").click();
    await expect(page.getByTestId("tenant-detail-status")).toHaveText("suspended");
    await expectNotFoundPage(await page.context().newPage(), `http://${slug}.localhost:3100/sign-in`);
    await page.getByTestId("tenant-resume").click();
    await expect(page.getByTestId("tenant-detail-status")).toHaveText("active");

    const hostname = `${slug}.example.test`;
    await page.getByLabel("Hostname").fill("not a hostname");
    await page.getByRole("button", { name: "Add domain" }).click();
    await expect(page.getByTestId("error-hostname")).toContainText("fully qualified hostname");
    await page.getByLabel("Hostname").fill(hostname);
    await page.getByRole("button", { name: "Add domain" }).click();
    await expect(page.getByTestId("domain-list")).toContainText(hostname);
    await page.getByTestId(`remove-domain-${hostname}`).click();
    await expect(page.getByTestId("domain-list")).toHaveCount(0);

    await page.getByTestId("verify-tenant-audit").click();
    await expect(page.getByTestId("tenant-audit-status")).toContainText("intact");

    page.once("dialog", (d) => void d.accept());
    await page.getByTestId("tenant-archive").click();
    await expect(page.getByTestId("tenant-detail-status")).toHaveText("archived");
    await expect(page.getByTestId("tenant-resume")).toHaveCount(0);

    await page.getByRole("link", { name: "Audit log" }).click();
    const table = page.getByTestId("platform-audit-table");
    for (const action of ["tenant.created", "tenant.suspended", "tenant.resumed", "domain.added", "domain.removed", "tenant.archived", "operator.enrolled"])
      await expect(table).toContainText(action);
    await page.getByTestId("verify-platform-audit").click();
    await expect(page.getByTestId("platform-audit-verify")).toContainText("Chain intact");

    // The export link, with this browser's session: a sealed file that verifies offline.
    const download = await page.context().request.get(`${root}/platform/api/audit/export?format=jsonl`);
    expect(download.status()).toBe(200);
    expect(download.headers()["content-disposition"]).toMatch(/attachment; filename="audit-platform-/);
    const lines = (await download.text()).split("\n").filter(Boolean);
    expect(await verifyExportLines(lines)).toMatchObject({ ok: true });
    expect(lines.some((l) => l.includes(`"targetId":"${slug}"`))).toBe(true);

    await page.getByTestId("operator-sign-out").click();
    await page.waitForURL((u) => u.pathname === "/platform/sign-in");
    await page.goto(`${root}/platform/tenants`);
    await page.waitForURL((u) => u.pathname === "/platform/sign-in");
  });

  test("bad input is a problem+json with field errors: unknown fields, NUL bytes, over-long strings, bad JSON, 401, 403, 404, 409", async ({ request }) => {
    const cookie = await operatorCookieHeader();
    const headers = { cookie };
    const post = (path: string, data: unknown, extra: Record<string, string> = {}) =>
      request.post(`${root}${path}`, { headers: { ...headers, ...extra }, data });

    const unknown = await expectProblem(await post("/platform/api/tenants", { slug: "fine-slug", name: "X", ownerEmail: "a@b.test", plan: "gold" }), 400);
    expect(JSON.stringify(unknown.errors)).toContain("plan");
    const nul = await expectProblem(await post("/platform/api/tenants", { slug: "nul-slug", name: "A\u0000B", ownerEmail: "a@b.test" }), 400);
    expect(unknown.errors).toBeDefined();
    expect((nul.errors as { path: string }[]).map((e) => e.path)).toEqual(["name"]);
    const long = await expectProblem(await post("/platform/api/tenants", { slug: "long-slug", name: "n".repeat(10_000), ownerEmail: "a@b.test" }), 400);
    expect((long.errors as { path: string }[]).map((e) => e.path)).toEqual(["name"]);
    await expectProblem(await post("/platform/api/tenants", { slug: "x".repeat(5000), name: "ok", ownerEmail: "a@b.test" }), 400);
    await expectProblem(
      await request.post(`${root}/platform/api/tenants`, { headers: { ...headers, "content-type": "application/json" }, data: "{not json" }),
      400,
    );
    await expectProblem(await request.post(`${root}/platform/api/tenants`, { headers: { ...headers, "content-type": "text/plain" }, data: "slug=x" }), 400);
    await expectProblem(await request.get(`${root}/platform/api/tenants?page=0`, { headers }), 400);
    await expectProblem(await request.get(`${root}/platform/api/tenants?q=${"q".repeat(200)}`, { headers }), 400);
    await expectProblem(await request.get(`${root}/platform/api/tenants?sort=slug`, { headers }), 400);
    await expectProblem(await request.get(`${root}/platform/api/tenants?q=%00`, { headers }), 400);

    // 409: the slug of an existing tenant, and a domain another tenant holds.
    const taken = await createTestTenant("opc");
    await expectProblem(await post("/platform/api/tenants", { slug: taken.slug, name: "Again", ownerEmail: "a@b.test" }), 409);
    await expectProblem(await post(`/platform/api/tenants/${taken.slug}/domains`, { hostname: "portal.acme-corp.example.test" }), 409);
    await expectProblem(await post(`/platform/api/tenants/${taken.slug}/resume`, {}), 409);
    await expectProblem(await post(`/platform/api/tenants/${taken.slug}/domains`, { hostname: `a.${taken.slug}.test`, primary: "yes" }), 400);

    // 404: unknown tenant, unknown action, a domain the tenant does not have.
    await expectProblem(await post("/platform/api/tenants/no-such-tenant/suspend", {}), 404);
    await expectProblem(await post(`/platform/api/tenants/${taken.slug}/explode`, {}), 404);
    await expectProblem(await request.delete(`${root}/platform/api/tenants/${taken.slug}/domains/portal.acme-corp.example.test`, { headers }), 404);
    await expectProblem(await request.get(`${root}/platform/api/tenants/no-such-tenant`, { headers }), 404);
    // 400: a parameter that is no slug at all.
    await expectProblem(await request.get(`${root}/platform/api/tenants/NOT_A_SLUG`, { headers }), 400);

    // 401 without the operator cookie, or with a forged one.
    await expectProblem(await request.post(`${root}/platform/api/tenants/${taken.slug}/suspend`, { data: {} }), 401);
    await expectProblem(await request.get(`${root}/platform/api/audit`, { headers: { cookie: `${operatorCookie}=eyJhbGciOiJIUzI1NiJ9.e30.x` } }), 401);
    // 403: another site's page posting with the cookie.
    await expectProblem(await post(`/platform/api/tenants/${taken.slug}/suspend`, {}, { origin: "https://evil.example", "sec-fetch-site": "cross-site" }), 403);
    const refused = await request.get(`${root}/platform/api/audit?action=console.request_refused`, { headers });
    expect(((await refused.json()) as { rows: { summary: string }[] }).rows[0]?.summary).toContain(`/platform/api/tenants/${taken.slug}/suspend refused`);
    await expectProblem(await request.post(`${root}/platform/api/sign-in`, { data: { email: "a@b.test", password: "wrong password" } }), 401);

    // Nothing above changed the tenant.
    const detail = await request.get(`${root}/platform/api/tenants/${taken.slug}`, { headers });
    expect(((await detail.json()) as { tenant: { status: string } }).tenant.status).toBe("active");
  });

  test("the console is never reachable on a tenant's host, not even with an operator's cookie", async ({ page, request }) => {
    const cookie = await operatorCookieHeader();
    const tenant = await createTestTenant("opx");
    for (const path of ["/platform/tenants", "/platform/sign-in", "/platform/audit", "/platform"]) await expectNotFoundPage(page, tenant.url(path));
    const { url, onHost } = onPort(3100);
    const res = await request.post(url("127.0.0.1", `/platform/api/tenants/${tenant.slug}/suspend`), onHost(tenant.host, { cookie }));
    expect(res.status()).toBe(404);
    const list = await request.get(url("127.0.0.1", "/platform/api/tenants"), onHost(tenant.host, { cookie }));
    expect(list.status()).toBe(404);
    expect(await list.text()).not.toContain(tenant.slug);
    // And on a tenant's custom domain.
    const custom = await request.get(url("127.0.0.1", "/platform/api/audit"), onHost("portal.acme-corp.example.test", { cookie }));
    expect(custom.status()).toBe(404);
  });

  test("a tenant user's session cannot reach the console, and an operator session cannot act as a tenant user", async ({ page, browser, request }) => {
    const tenant = await createTestTenant("opy");
    await signIn(page, tenant, tenant.ownerEmail);
    const tenantCookie = (await page.context().cookies()).find((c) => c.name === "__Secure-platform.session");
    expect(tenantCookie).toBeDefined();

    // Tenant credentials are not an operator's.
    await expectProblem(await request.post(`${root}/platform/api/sign-in`, { data: { email: tenant.ownerEmail, password: testPassword } }), 401);

    // The tenant's cookie, sent to the console (under its own name, and under the operator's): not signed in.
    for (const cookie of [`__Secure-platform.session=${tenantCookie!.value}`, `${operatorCookie}=${tenantCookie!.value}`]) {
      await expectProblem(await request.get(`${root}/platform/api/tenants`, { headers: { cookie } }), 401);
      const res = await request.get(`${root}/platform/tenants`, { headers: { cookie }, maxRedirects: 0 });
      expect([303, 307]).toContain(res.status());
      expect(res.headers().location).toMatch(/\/platform\/sign-in$/);
    }

    // An operator's cookie on the tenant's host: neither the pages nor the API take it.
    const cookie = await operatorCookieHeader();
    const token = cookie.slice(cookie.indexOf("=") + 1);
    const { url, onHost } = onPort(3100);
    const attempts: Record<string, string>[] = [{ cookie }, { cookie: `__Secure-platform.session=${token}` }, { authorization: `Bearer ${token}` }];
    for (const headers of attempts) {
      await expectProblem(await request.get(url("127.0.0.1", "/api/v1/me"), onHost(tenant.host, headers)), 401);
      const members = await request.get(url("127.0.0.1", "/members"), { ...onHost(tenant.host, headers), maxRedirects: 0 });
      expect([303, 307]).toContain(members.status());
      expect(members.headers().location).toMatch(/\/sign-in/);
    }

    // In a browser: an operator signed in on the root domain is a stranger on the tenant's host.
    const context = await browser.newContext();
    const operatorPage = await context.newPage();
    await enrolInBrowser(operatorPage);
    await operatorPage.goto(tenant.url("/members"));
    await operatorPage.waitForURL((u) => u.pathname === "/sign-in");
    await context.close();
  });
});
