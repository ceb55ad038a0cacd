// The OpenAPI description and its reference page (issue 12): /api/v1/openapi.json on
// any host, /docs/api on a tenant's host and on the root domain, under the nonce CSP
// with no violation.
import { expect, test, type Page } from "@playwright/test";
import { createTestTenant, onPort } from "./support";

const { url, onHost } = onPort(3100);

async function cspViolations(page: Page): Promise<() => Promise<string[]>> {
  const seen: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __csp: string[] }).__csp ??= [];
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) seen.push(msg.text());
  });
  return async () => [...seen, ...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []))];
}

test.describe("OpenAPI", () => {
  test.describe.configure({ timeout: 90_000 });
  const settled = expect.configure({ timeout: 20_000 });
  test("/api/v1/openapi.json is served on the root domain and on a tenant's host alike", async ({ request }) => {
    const tenant = await createTestTenant("oas");
    const onRoot = await request.get(url("127.0.0.1", "/api/v1/openapi.json"), onHost("localhost"));
    expect(onRoot.status()).toBe(200);
    expect(onRoot.headers()["content-type"]).toContain("application/json");
    const doc = (await onRoot.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/v1/users", "/api/v1/auth/password-reset", "/api/v1/users/{id}/invitation"]));
    expect(doc.paths["/api/v1/users"]!.post).toBeDefined();
    const onTenant = await request.get(url("127.0.0.1", "/api/v1/openapi.json"), onHost(tenant.host));
    expect(await onTenant.json()).toEqual(doc);
  });

  test("the reference page renders every operation under the nonce CSP, on a tenant's host and on the root domain", async ({ page, request }) => {
    const tenant = await createTestTenant("docs");
    const violations = await cspViolations(page);
    const res = await page.goto(tenant.url("/docs/api"));
    expect(res!.status()).toBe(200);
    expect(res!.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    await settled(page.getByTestId("api-title")).toContainText("Tenant Platform API");
    const doc = (await (await request.get(url("127.0.0.1", "/api/v1/openapi.json"), onHost(tenant.host))).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(doc.paths).reduce(
      (n, item) => n + Object.keys(item).filter((k) => ["get", "post", "put", "patch", "delete"].includes(k)).length,
      0,
    );
    await expect(page.getByTestId("api-operation")).toHaveCount(operations);
    // Schemas fold open without any script.
    const first = page.getByTestId("api-operation").filter({ hasText: "/api/v1/auth/password-reset" }).first();
    await first.getByText("Request body (application/json)").click();
    await expect(first.locator("pre").first()).toContainText('"email"');
    await page.getByTestId("openapi-link").click();
    await expect(page).toHaveURL((u) => u.pathname === "/api/v1/openapi.json");

    await page.goto(url("localhost", "/docs/api"));
    await settled(page.getByTestId("api-title")).toContainText("Tenant Platform API");
    await expect(page.getByTestId("api-operation")).toHaveCount(operations);
    expect(await violations()).toEqual([]);
  });
});
