// Security hardening end to end against the production build (issue 13, findings 7-9):
// security headers on pages and API, a nonce CSP that no page violates (every admin
// page, visited as owner), a cross-site server action answered 403 and audited, and
// the per-IP sign-in limit holding against X-Forwarded-For on our launcher's default
// (no trusted proxy: the socket's address). 3100 runs with TRUSTED_PROXY_HOPS=1
// (playwright.config.ts: the tests play the proxy); the last test starts its own.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { tenantDb } from "@/lib/db/tenant-client";
import { createIntegration } from "@/lib/integrations/integrations";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { updateTenantSettings } from "@/lib/tenancy/tenant-settings";
import { freePort } from "../scripts/lib/free-port";
import { addTestMember, createTestTenant, expectProblem, onPort, signIn, type TestTenant } from "./support";

const { server } = onPort(3100);

const staticHeaders = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "x-frame-options": "DENY",
};

function expectStaticHeaders(headers: Record<string, string>) {
  expect(headers).toMatchObject(staticHeaders);
  expect(headers["permissions-policy"]).toContain("camera=()");
  // A production build (next build + our launcher) sends HSTS.
  expect(headers["strict-transport-security"]).toMatch(/^max-age=\d{7,}/);
}

/** Collects CSP violations of a page: the DOM event (installed before any script) and console reports. */
async function watchCsp(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __csp: string[] }).__csp ??= [];
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect|frame)/i.test(msg.text())) seen.push(msg.text());
  });
  return seen;
}

async function violationsOn(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
}

test.describe("security headers", () => {
  test("pages: nonce CSP with frame-ancestors 'none', the static headers, no-store", async ({ request }) => {
    const tenant = await createTestTenant("hdr");
    const res = await request.get(`${server}/sign-in`, { headers: { host: `${tenant.host}:3100` } });
    expect(res.status()).toBe(200);
    const h = res.headers();
    expectStaticHeaders(h);
    expect(h["cache-control"]).toContain("no-store");
    const csp = h["content-security-policy"]!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-eval");
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    // Next put this request's nonce on its own scripts.
    const html = await res.text();
    expect(html).toContain(`nonce="${nonce}"`);
    expect(html).not.toMatch(/<script(?![^>]*nonce=)[^>]*>/);
    // A fresh nonce per request.
    const again = await request.get(`${server}/sign-in`, { headers: { host: `${tenant.host}:3100` } });
    expect(again.headers()["content-security-policy"]).not.toBe(csp);
    // The 404 page of an unknown tenant too.
    const unknown = await request.get(`${server}/`, { headers: { host: `nobody-${randomBytes(3).toString("hex")}.localhost:3100` } });
    expect(unknown.status()).toBe(404);
    expect(unknown.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  });

  test("API answers: the static headers and no-store, no CSP", async ({ request }) => {
    const tenant = await createTestTenant("hdrapi");
    const denied = await request.get(`${server}/api/v1/me`, { headers: { host: `${tenant.host}:3100` } });
    await expectProblem(denied, 401);
    const token = await request.post(`${server}/api/v1/auth/token`, {
      headers: { host: `${tenant.host}:3100` },
      data: { email: tenant.ownerEmail, password: "Demo-Passw0rd-2026" },
    });
    expect(token.status()).toBe(200);
    const me = await request.get(`${server}/api/v1/me`, {
      headers: { host: `${tenant.host}:3100`, authorization: `Bearer ${(await token.json()).access_token}` },
    });
    expect(me.status()).toBe(200);
    for (const res of [denied, me, await request.get(`${server}/api/health`)]) {
      const h = res.headers();
      expectStaticHeaders(h);
      expect(h["cache-control"]).toBe("no-store");
      expect(h["content-security-policy"]).toBeUndefined();
    }
  });
});

test.describe("content security policy in the browser", () => {
  let tenant: TestTenant;
  let integrationId = "";
  let eventId = "";

  test.beforeAll(async ({ request }) => {
    tenant = await createTestTenant("csp");
    const { integration, secret } = await createIntegration(
      tenant.slug,
      { name: "csp hook", kind: "webhook", scheme: "standard-webhooks" },
      systemContext("e2e"),
    );
    integrationId = integration.id;
    const body = JSON.stringify({ type: "csp.test", data: { id: randomBytes(4).toString("hex") } });
    const headers = signWebhook("standard-webhooks", secret!, body, { id: `msg_${randomBytes(6).toString("hex")}` });
    const res = await request.post(`${server}/api/webhooks/${integration.id}`, {
      headers: { ...headers, host: `${tenant.host}:3100`, "content-type": "application/json" },
      data: body,
    });
    expect(res.status()).toBe(202);
    eventId = (await tenantDb(tenant.slug).webhookEvent.findFirstOrThrow({ select: { id: true } })).id;
  });

  test("no page violates it: sign-in, every admin page as owner, the 404 page", async ({ page }) => {
    const reports = await watchCsp(page);
    await page.goto(tenant.url("/sign-in"));
    expect(await violationsOn(page)).toEqual([]);
    // Signing in runs the page's scripts (a server action), so they were allowed to run.
    await signIn(page, tenant, tenant.ownerEmail);
    const pages = [
      "/",
      "/members",
      "/api-keys",
      "/integrations",
      `/integrations/${integrationId}`,
      `/integrations/${integrationId}/events/${eventId}`,
      "/audit",
      "/audit/report",
      "/account",
      "/no-such-page",
    ];
    for (const path of pages) {
      const res = await page.goto(tenant.url(path));
      expect(res!.status(), path).toBe(path === "/no-such-page" ? 404 : 200);
      expect(res!.headers()["content-security-policy"], path).toContain("frame-ancestors 'none'");
      if (path !== "/no-such-page") expect(res!.headers()["cache-control"], path).toContain("no-store");
      await page.waitForLoadState("networkidle");
      expect(await violationsOn(page), path).toEqual([]);
    }
    // Client-side navigation (scripts loaded by Next's nonced scripts) works as well.
    await page.goto(tenant.url("/"));
    await page.getByTestId("nav-members").click();
    await expect(page).toHaveURL(tenant.url("/members"));
    expect(await violationsOn(page)).toEqual([]);
    expect(reports).toEqual([]);
  });

  test("the admin pages cannot be framed", async ({ page }) => {
    const reports = await watchCsp(page);
    await page.goto(`${server}/api/health`);
    await page.setContent(`<iframe id="f" src="${tenant.url("/sign-in")}"></iframe>`);
    // Chromium refuses the frame and says why (frame-ancestors 'none').
    await expect.poll(() => reports.some((r) => r.includes("frame-ancestors")), { timeout: 10_000 }).toBe(true);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame ? await frame.locator("input[type=password]").count() : 0).toBe(0);
  });
});

test.describe("cross-site server actions", () => {
  test("answer 403 (not 500), audited; same-site actions are not refused", async ({ request }) => {
    const tenant = await createTestTenant("csrf");
    const host = `${tenant.host}:3100`;
    const fetchAction = await request.post(`${server}/sign-in`, {
      headers: { host, origin: "http://evil.example", "next-action": "7f".repeat(21), "content-type": "text/plain;charset=UTF-8" },
      data: "[]",
    });
    const problem = await expectProblem(fetchAction, 403);
    expect(problem.reason).toBe("cross_site");
    // A plain form post (no JavaScript) from another site, and an opaque origin.
    const form = await request.post(`${server}/members`, { headers: { host, origin: "null" }, multipart: { $ACTION_ID_x: "", email: "a@b.test" } });
    await expectProblem(form, 403);
    const rows = await tenantDb(tenant.slug).auditLog.findMany({ where: { action: "auth.permission_denied" }, orderBy: { seq: "asc" } });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ actorType: "anonymous" });
    expect(rows[0]!.summary).toContain("http://evil.example");
    expect(rows[0]!.summary).toContain("/sign-in");
    expect(rows[0]!.metadata).toMatchObject({ reason: "cross_site" });
    // Same site: not refused as cross-site (an unknown action id is Next's own 404).
    const same = await request.post(`${server}/sign-in`, {
      headers: { host, origin: `http://${host}`, "next-action": "7f".repeat(21), "content-type": "text/plain;charset=UTF-8" },
      data: "[]",
    });
    expect(same.status()).not.toBe(403);
    expect(same.status()).toBeLessThan(500);
  });
});

test.describe("denials in the browser are audited once", () => {
  const denials = (slug: string) => tenantDb(slug).auditLog.findMany({ where: { action: "auth.permission_denied" }, orderBy: { seq: "asc" } });

  test("a page a role may not open, and a server action breaking an object rule", async ({ page }) => {
    const tenant = await createTestTenant("deny");
    const admin = `admin@${tenant.slug}.test`;
    const { id: adminId } = await addTestMember(tenant.slug, { email: admin, role: "admin" });
    const viewer = `viewer@${tenant.slug}.test`;
    const { id: viewerId } = await addTestMember(tenant.slug, { email: viewer, role: "viewer" });

    await signIn(page, tenant, viewer);
    const res = await page.goto(tenant.url("/audit"));
    expect(res!.status()).toBe(403);
    await expect(page.getByTestId("forbidden")).toBeVisible();
    let rows = await denials(tenant.slug);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorType: "user", actorId: viewerId });
    expect(rows[0]!.metadata).toMatchObject({ what: "GET /audit", reason: "permission_denied" });
    await page.context().clearCookies();

    // An admin making someone owner through the members page (a server action).
    await signIn(page, tenant, admin);
    await page.goto(tenant.url("/members"));
    const row = page.getByTestId(`member-${viewer}`);
    await row.getByLabel(`Role of ${viewer}`, { exact: true }).selectOption("owner");
    await row.getByRole("button", { name: `Change role of ${viewer}` }).click();
    await expect(page.getByTestId(`member-message-${viewer}`)).toContainText("Only an owner");
    rows = await denials(tenant.slug);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ actorType: "user", actorId: adminId });
    expect(rows[1]!.metadata).toMatchObject({ reason: "owner_only" });
    expect(String((rows[1]!.metadata as { what?: string }).what)).toMatch(/^action: /);
  });
});

test.describe("client address without a proxy (TRUSTED_PROXY_HOPS unset)", () => {
  let app: ChildProcess | undefined;
  let port = 0;

  test.beforeAll(async () => {
    port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      WEB_CONCURRENCY: "1",
      REDIS_TIMEOUT_MS: "3000",
      RATELIMIT_TIMEOUT_MS: "3000",
      INNGEST_BASE_URL: "http://127.0.0.1:9",
    };
    delete env.TRUSTED_PROXY_HOPS;
    delete env.PLATFORM_PEER_HEADER;
    app = spawn(process.execPath, ["scripts/start.mjs", "-p", String(port), "-H", "127.0.0.1"], { env, stdio: "ignore", detached: true });
    await expect
      .poll(
        () =>
          fetch(`http://127.0.0.1:${port}/api/health`).then(
            (r) => r.status,
            () => 0,
          ),
        { timeout: 90_000 },
      )
      .toBe(200);
  });

  test.afterAll(() => {
    if (app?.pid) {
      try {
        process.kill(-app.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  });

  test("rotating X-Forwarded-For (or x-platform-peer) gains no extra sign-in attempts and never reaches the audit log", async () => {
    test.setTimeout(120_000);
    const tenant = await createTestTenant("xff");
    await updateTenantSettings(tenant.slug, { rateLimits: { signInPerIpPer15Minutes: 3 } }, systemContext("e2e"));
    const attempt = (i: number) =>
      fetch(`http://127.0.0.1:${port}/api/v1/auth/token`, {
        method: "POST",
        headers: { "x-tenant-id": tenant.slug, "content-type": "application/json", "x-forwarded-for": `198.51.100.${i}`, "x-platform-peer": `192.0.2.${i}` },
        body: JSON.stringify({ email: `user${i}@${tenant.slug}.test`, password: "wrong-password-1" }),
      }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++) statuses.push(await attempt(i));
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const rows = await tenantDb(tenant.slug).auditLog.findMany({ where: { action: "auth.sign_in_failed" }, select: { ip: true } });
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.ip))).toEqual(new Set(["127.0.0.1"]));
  });
});
