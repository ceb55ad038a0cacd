// The loading.tsx skeletons of the tenant sections and of the operator console, and what
// they must not change: a section's layout decides the status before its loading
// boundary starts streaming, so a viewer's forbidden section is still a 403 (audited
// once), a signed-out visit a redirect to sign-in with ?next=, an unknown host, an
// archived tenant and an unknown object in the URL a 404 — on the raw HTTP answer, not
// only on the rendered page.
import { randomBytes } from "node:crypto";
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page, type Request } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { totpCode } from "@/lib/auth/totp";
import { tenantDb } from "@/lib/db/tenant-client";
import { createIntegration } from "@/lib/integrations/integrations";
import { createOperator } from "@/lib/operators/create-operator";
import { createOrganization } from "@/lib/organizations/organizations";
import { setTenantStatus } from "@/lib/tenancy/set-tenant-status";
import { addTestMember, createTestTenant, onPort, signIn, type TestTenant } from "./support";

const root = "http://localhost:3100";
const missing = "00000000-0000-4000-8000-000000000000";

/**
 * The raw answer to a GET, redirects not followed, as curl would see it: sent to the
 * server's address with the page's Host header (Node's resolver knows no *.localhost),
 * with the given cookies.
 */
async function raw(request: APIRequestContext, url: string, headers: Record<string, string> = {}) {
  const u = new URL(url);
  const res = await request.get(`http://127.0.0.1:${u.port}${u.pathname}${u.search}`, { maxRedirects: 0, headers: { host: u.host, ...headers } });
  return { status: res.status(), location: res.headers()["location"] ?? null, html: await res.text() };
}

/** The Cookie header a signed-in page would send to `url`. */
async function cookiesOf(page: Page, url: string): Promise<Record<string, string>> {
  const cookies = await page.context().cookies(url);
  return { cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") };
}

/** The skeleton's markup, as the server streams it (an HTML fallback, or the loading element in the RSC payload). */
function hasSkeleton(html: string, label: string): boolean {
  return html.includes(`Loading ${label}`) && /page-skeleton/.test(html) && /aria-busy/.test(html);
}

async function operatorCookie(): Promise<string> {
  const request = await playwrightRequest.newContext();
  const op = await createOperator(`op-${randomBytes(4).toString("hex")}@ops.test`, systemContext("e2e setup"));
  const first = await request.post(`${root}/platform/api/sign-in`, { data: { email: op.email, password: op.setupPassword } });
  expect(first.status(), await first.text()).toBe(200);
  const step = (await first.json()) as { challenge: string; enrolment: { secret: string } };
  const enrol = await request.post(`${root}/platform/api/sign-in/enrol`, {
    data: { challenge: step.challenge, code: totpCode(step.enrolment.secret), newPassword: "operator passphrase 2026 blue" },
  });
  expect(enrol.status(), await enrol.text()).toBe(200);
  const value = /__Host-platform\.operator=([^;]+)/.exec(enrol.headers()["set-cookie"] ?? "")?.[1];
  expect(value).toBeTruthy();
  await request.dispose();
  return `__Host-platform.operator=${value}`;
}

test.describe("loading skeletons", () => {
  let tenant: TestTenant;
  let integrationId: string;
  let organizationId: string;

  test.beforeAll(async () => {
    tenant = await createTestTenant("skel");
    const setup = systemContext("e2e setup");
    integrationId = (await createIntegration(tenant.slug, { name: "Skeleton hook", kind: "webhook", scheme: "standard-webhooks" }, setup)).integration.id;
    organizationId = (await createOrganization(tenant.slug, { name: "Skeleton org" }, setup)).id;
  });

  test("every section streams its skeleton, and still answers 200 with its content", async ({ page }) => {
    await signIn(page, tenant, tenant.ownerEmail);
    const sections: [string, string, string][] = [
      ["/members", "the members", "members-table"],
      ["/organizations", "the organizations", "organizations-table"],
      [`/organizations/${organizationId}`, "the organization", "organization-members-heading"],
      ["/account", "your account", "sessions-heading"],
      ["/api-keys", "the API keys", "api-keys-table"],
      ["/integrations", "the integrations", "integrations-table"],
      [`/integrations/${integrationId}`, "the integration", "integration-name"],
      ["/audit", "the audit log", "audit-rows"],
      ["/audit/report", "the audit log", "audit-report"],
      ["/settings", "the settings", "settings-general-heading"],
      ["/docs/api", "the API reference", "api-title"],
    ];
    for (const [path, label, content] of sections) {
      const res = await raw(page.request, tenant.url(path), await cookiesOf(page, tenant.url()));
      expect(res.status, path).toBe(200);
      expect(hasSkeleton(res.html, label), `${path} has no skeleton`).toBe(true);
      expect(res.html, path).toContain(content);
    }
    const cookie = await operatorCookie();
    for (const [path, label] of [
      ["/platform/tenants", "the tenants"],
      [`/platform/tenants/${tenant.slug}`, "the tenant"],
      ["/platform/audit", "the platform audit log"],
    ] as const) {
      const res = await raw(page.request, `${root}${path}`, { cookie });
      expect(res.status, path).toBe(200);
      expect(hasSkeleton(res.html, label), `${path} has no skeleton`).toBe(true);
    }
  });

  test("a slow page shows the skeleton, then the page", async ({ page }) => {
    // The router prefetches a section's loading state when its link shows; the navigation
    // itself then waits for the page. Its answer is held back here, as a slow database
    // would hold it: the section's skeleton shows meanwhile.
    const isPrefetch = (r: Request) => new URL(r.url()).pathname === "/members" && Boolean(r.headers()["next-router-prefetch"]);
    let started = 0;
    let finished = 0;
    page.on("request", (r) => void (isPrefetch(r) && started++));
    page.on("requestfinished", (r) => void (isPrefetch(r) && finished++));
    page.on("requestfailed", (r) => void (isPrefetch(r) && finished++));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(
      (url) => url.pathname === "/members",
      async (route) => {
        const h = route.request().headers();
        if (h["rsc"] === "1" && !h["next-router-prefetch"]) await held;
        await route.continue();
      },
    );
    await signIn(page, tenant, tenant.ownerEmail);
    const link = page.getByTestId("nav-members").first();
    await link.hover();
    // Every part of the prefetch (the route tree, then its segments) is in before the click:
    // nothing in flight, twice half a second apart.
    const prefetchDone = () => started > 0 && finished === started;
    await expect.poll(prefetchDone, { message: "the members section's loading state was prefetched" }).toBe(true);
    await page.waitForTimeout(500);
    await expect.poll(prefetchDone).toBe(true);
    await link.click();
    const skeleton = page.getByTestId("page-skeleton");
    await expect(skeleton).toBeVisible();
    await expect(page.getByRole("status", { name: "Loading the members" })).toHaveAttribute("aria-busy", "true");
    await expect(page.getByTestId("members-table")).toHaveCount(0);
    release();
    await expect(page.getByTestId("members-table")).toBeVisible();
    await expect(skeleton).toHaveCount(0);
  });

  test("the statuses the sections' layouts decide are unchanged by the skeletons", async ({ page, browser, request }) => {
    const viewer = `viewer@${tenant.slug}.test`;
    const { id: viewerId } = await addTestMember(tenant.slug, { email: viewer, role: "viewer" });
    await signIn(page, tenant, viewer);
    const denials = () => tenantDb(tenant.slug).auditLog.findMany({ where: { action: "auth.permission_denied", actorId: viewerId }, orderBy: { seq: "asc" } });

    // A viewer's forbidden sections: 403, each audited exactly once.
    const forbidden = [
      "/organizations",
      `/organizations/${organizationId}`,
      "/api-keys",
      "/integrations",
      `/integrations/${integrationId}`,
      "/audit",
      "/audit/report",
      "/settings",
    ];
    for (const [i, path] of forbidden.entries()) {
      const res = await raw(page.request, tenant.url(path), await cookiesOf(page, tenant.url()));
      expect(res.status, path).toBe(403);
      // The page behind it did not render its data into the answer.
      expect(res.html, path).toContain("NEXT_HTTP_ERROR_FALLBACK;403");
      for (const name of ["Skeleton hook", "Skeleton org"]) expect(res.html, path).not.toContain(name);
      const rows = await denials();
      expect(rows, path).toHaveLength(i + 1);
      expect(rows.at(-1)!.metadata, path).toMatchObject({ what: `GET ${path}`, reason: "permission_denied" });
    }
    // The viewer's own sections are fine.
    expect((await raw(page.request, tenant.url("/members"), await cookiesOf(page, tenant.url()))).status).toBe(200);
    expect((await raw(page.request, tenant.url("/account"), await cookiesOf(page, tenant.url()))).status).toBe(200);

    // Unknown objects named by the URL: 404 (owner).
    const owner = await browser.newPage();
    await signIn(owner, tenant, tenant.ownerEmail);
    for (const path of [
      `/integrations/${missing}`,
      "/integrations/not-a-uuid",
      `/integrations/${integrationId}/events/${missing}`,
      `/organizations/${missing}`,
      `/organizations/not-a-uuid`,
    ]) {
      const res = await raw(owner.request, tenant.url(path), await cookiesOf(owner, tenant.url()));
      expect(res.status, path).toBe(404);
      expect(res.html, path).toContain("NEXT_HTTP_ERROR_FALLBACK;404");
    }
    await owner.close();

    // Signed out: a redirect to sign-in that comes back.
    for (const path of ["/members", "/settings", `/integrations/${integrationId}`]) {
      const res = await raw(request, tenant.url(path));
      expect(res.status, path).toBe(307);
      expect(res.location, path).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
    }
    // An unknown tenant's host and an archived tenant: 404.
    const gone = await createTestTenant("skelgone");
    await setTenantStatus(gone.slug, "archived");
    for (const url of [onPort(3100).url(`nosuch-${randomBytes(3).toString("hex")}.localhost`, "/members"), gone.url("/members"), gone.url("/docs/api")]) {
      const res = await raw(request, url);
      expect(res.status, url).toBe(404);
    }

    // The console: signed out, a redirect to its sign-in; an unknown tenant, a 404.
    const signedOut = await raw(request, `${root}/platform/tenants`);
    expect(signedOut.status).toBe(307);
    expect(signedOut.location).toBe("/platform/sign-in");
    const cookie = await operatorCookie();
    expect((await raw(request, `${root}/platform/tenants/nosuch-tenant-xyz`, { cookie })).status).toBe(404);
    expect((await raw(request, `${root}/platform/tenants/NOT_A_SLUG`, { cookie })).status).toBe(404);
  });
});
