// The same build on port 3101 with Redis switched off (UPSTASH_REDIS_REST_URL/TOKEN
// empty). The Edge middleware then answers "unknown" for every lookup and the Node side
// decides from PostgreSQL: subdomains, custom domains and tenant status still work.
// `next start` runs with NODE_ENV=production, where Redis is required, so /api/ready
// is 503 (lib/observability/readiness.ts).
import { expect, test } from "@playwright/test";
import { e2eData } from "./global-setup";
import { expectNotFoundPage, expectProblem, onPort, open } from "./support";

const port = 3101;
const { server, url, onHost } = onPort(port);

test.describe("without Redis (port 3101)", () => {
  test("acme subdomain still shows Acme Inc", async ({ page }) => {
    expect(await open(page, url("acme.localhost"))).toBe(200);
    await expect(page.getByTestId("tenant-name")).toHaveText("Acme Inc");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome to Acme Inc");
    await expect(page.locator("body")).not.toContainText("Globex");
  });

  test("custom domain still reaches acme through the Node-side lookup", async ({ page }) => {
    expect(await open(page, url(e2eData.acmeDomain))).toBe(200);
    await expect(page.getByTestId("tenant-name")).toHaveText("Acme Inc");
  });

  test("a domain only PostgreSQL knows is served: the lookup really is Node-side", async ({ page }) => {
    expect(await open(page, url(e2eData.globexDbOnlyDomain))).toBe(200);
    await expect(page.getByTestId("tenant-name")).toHaveText("Globex Corporation");
  });

  test("contrast: with Redis (3100) the Edge trusts its built mirror, which lacks that domain", async ({ page }) => {
    await expectNotFoundPage(page, onPort(3100).url(e2eData.globexDbOnlyDomain));
  });

  test("unknown tenant subdomain is still a 404", async ({ page }) => {
    await expectNotFoundPage(page, url("no-such-tenant.localhost"));
  });

  test("unknown custom domain is still a 404", async ({ page }) => {
    await expectNotFoundPage(page, url("nobody-owns-this.example.test"));
  });

  test("suspended tenant is still a 404 (status checked from PostgreSQL)", async ({ page }) => {
    await expectNotFoundPage(page, url(`${e2eData.suspendedSlug}.localhost`));
  });

  test("root domain still shows the platform landing page", async ({ page }) => {
    expect(await open(page, url("localhost"))).toBe(200);
    await expect(page.getByTestId("platform-title")).toBeVisible();
  });

  test("/api/v1/tenant on the custom domain answers acme", async ({ request }) => {
    const res = await request.get(`${server}/api/v1/tenant`, onHost(e2eData.acmeDomain));
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ slug: "acme", name: "Acme Inc" });
  });

  test("custom domain + X-Tenant-ID of another tenant is a 400 problem from the Node side", async ({ request }) => {
    const res = await request.get(`${server}/api/v1/tenant`, onHost(e2eData.acmeDomain, { "x-tenant-id": "globex" }));
    await expectProblem(res, 400);
  });

  // Here the middleware sets no tenant header of its own (it hands the hostname to the
  // Node side), so an incoming copy would reach tenantFromHeaders unless it is deleted:
  // a leaked "globex" would turn this into a 400 (host and tenant disagree).
  test("a spoofed internal tenant header is stripped on the Node-side path too", async ({ request }) => {
    const res = await request.get(`${server}/api/v1/tenant`, onHost(e2eData.acmeDomain, { "x-platform-tenant": "globex" }));
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ slug: "acme", name: "Acme Inc" });
  });

  test("/api/ready is 503: Redis is required in production and is disabled here", async ({ request }) => {
    const res = await request.get(`${server}/api/ready`);
    expect(res.status()).toBe(503);
    expect(res.headers()["cache-control"]).toContain("no-store");
    const body = (await res.json()) as { status: string; components: Record<string, { status: string; detail?: string }> };
    expect(body.status).toBe("down");
    expect(body.components.database?.status).toBe("ok");
    expect(body.components.redis).toEqual({ status: "disabled", detail: "UPSTASH_REDIS_REST_URL is not set" });
  });

  test("/api/health still answers ok", async ({ request }) => {
    const res = await request.get(`${server}/api/health`);
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});
