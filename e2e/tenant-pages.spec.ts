// Tenant resolution end to end on the full stack (port 3100: PostgreSQL + Redis mirror).
// Pages go through Chromium (`*.localhost` resolves to loopback there; `*.example.test`
// is mapped by --host-resolver-rules). API calls go through Playwright's Node-side
// request context, whose resolver knows neither, so they are sent to 127.0.0.1 with an
// explicit Host header: that is exactly what the middleware reads.
import { expect, test } from "@playwright/test";
import { e2eData } from "./global-setup";
import { expectNotFoundPage, expectProblem, onPort, open } from "./support";

const port = 3100;
const { server, url, onHost } = onPort(port);

test.describe("tenant pages", () => {
  test("acme subdomain shows Acme Inc and nothing of Globex", async ({ page }) => {
    expect(await open(page, url("acme.localhost"))).toBe(200);
    await expect(page.getByTestId("tenant-name")).toHaveText("Acme Inc");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome to Acme Inc");
    await expect(page).toHaveTitle(/Acme Inc/);
    await expect(page.locator("body")).not.toContainText("Globex");
  });

  test("globex subdomain shows Globex Corporation and nothing of Acme", async ({ page }) => {
    expect(await open(page, url("globex.localhost"))).toBe(200);
    await expect(page.getByTestId("tenant-name")).toHaveText("Globex Corporation");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome to Globex Corporation");
    await expect(page.locator("body")).not.toContainText("Acme");
  });

  test("unknown tenant subdomain is a 404 with the not-found page", async ({ page }) => {
    await expectNotFoundPage(page, url("no-such-tenant.localhost"));
  });

  test("suspended tenant is a 404 with the not-found page", async ({ page }) => {
    await expectNotFoundPage(page, url(`${e2eData.suspendedSlug}.localhost`));
    await expect(page.locator("body")).not.toContainText(e2eData.suspendedName);
  });

  test("root domain shows the platform landing page", async ({ page }) => {
    expect(await open(page, url("localhost"))).toBe(200);
    await expect(page.getByTestId("platform-title")).toBeVisible();
    await expect(page.getByTestId("tenant-name")).toHaveCount(0);
  });

  test("verified custom domain shows its tenant", async ({ page }) => {
    expect(await open(page, url(e2eData.acmeDomain))).toBe(200);
    await expect(page.getByTestId("tenant-name")).toHaveText("Acme Inc");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome to Acme Inc");
  });

  test("unknown custom domain is a 404", async ({ page }) => {
    await expectNotFoundPage(page, url("nobody-owns-this.example.test"));
  });

  test("the operator console is not reachable on a tenant host", async ({ page }) => {
    await expectNotFoundPage(page, url("acme.localhost", "/platform"));
    await expectNotFoundPage(page, url(e2eData.acmeDomain, "/platform"));
  });
});

test.describe("tenant API", () => {
  test("/api/v1/tenant on the acme host answers acme", async ({ request }) => {
    const res = await request.get(`${server}/api/v1/tenant`, onHost("acme.localhost"));
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ slug: "acme", name: "Acme Inc" });
  });

  test("/api/v1/tenant on the custom domain answers acme", async ({ request }) => {
    const res = await request.get(`${server}/api/v1/tenant`, onHost(e2eData.acmeDomain));
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ slug: "acme", name: "Acme Inc" });
  });

  test("X-Tenant-ID on the root domain selects the tenant", async ({ request }) => {
    const res = await request.get(`${server}/api/v1/tenant`, onHost("localhost", { "x-tenant-id": "globex" }));
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ slug: "globex", name: "Globex Corporation" });
  });

  test("X-Tenant-ID naming another tenant than the host is a 400 problem", async ({ request }) => {
    const res = await request.get(`${server}/api/v1/tenant`, onHost("acme.localhost", { "x-tenant-id": "globex" }));
    await expectProblem(res, 400);
  });

  test("X-Tenant-ID naming a suspended tenant is a 404 problem", async ({ request }) => {
    const res = await request.get(`${server}/api/v1/tenant`, onHost("localhost", { "x-tenant-id": e2eData.suspendedSlug }));
    await expectProblem(res, 404);
  });

  test("the root domain without X-Tenant-ID is a 404 problem", async ({ request }) => {
    const res = await request.get(`${server}/api/v1/tenant`, onHost("localhost"));
    await expectProblem(res, 404);
  });

  // On a subdomain the middleware also overwrites this header, so this guards the
  // outcome; no-redis.spec.ts has the case where only the delete protects the app.
  test("a spoofed internal tenant header is stripped", async ({ request }) => {
    const res = await request.get(`${server}/api/v1/tenant`, onHost("acme.localhost", { "x-platform-tenant": "globex" }));
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ slug: "acme", name: "Acme Inc" });
  });

  test("a spoofed internal tenant-host header is stripped", async ({ request }) => {
    const res = await request.get(`${server}/api/v1/tenant`, onHost("globex.localhost", { "x-platform-tenant-host": e2eData.acmeDomain }));
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ slug: "globex", name: "Globex Corporation" });
  });

  test("/api/health answers ok", async ({ request }) => {
    const res = await request.get(`${server}/api/health`);
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  test("/api/health is platform-wide: it answers on a tenant host too", async ({ request }) => {
    const res = await request.get(`${server}/api/health`, onHost("no-such-tenant.localhost"));
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  test("/api/ready reports database and redis ok, with each probe's latency", async ({ request }) => {
    const res = await request.get(`${server}/api/ready`);
    expect(res.status()).toBe(200);
    const body = (await res.json()) as { status: string; components: Record<string, { status: string; latencyMs?: number }> };
    expect(body.components.database?.status).toBe("ok");
    expect(body.components.redis?.status).toBe("ok");
    for (const name of ["database", "redis"]) {
      const latency = body.components[name]?.latencyMs;
      expect(typeof latency, name).toBe("number");
      expect(latency!).toBeGreaterThan(0);
    }
    // The local runner is configured on 3100: it is probed and timed too.
    expect(typeof body.components.workflows?.latencyMs).toBe("number");
    // Workflows are optional: only a configured engine that is down degrades readiness.
    expect(["ok", "disabled", "down"]).toContain(body.components.workflows?.status);
    expect(body.status).toBe(body.components.workflows?.status === "down" ? "degraded" : "ok");
  });
});
