// Shared helpers of the e2e specs: addresses on one of the test servers, page opening,
// and the 404 / problem+json checks.
import { expect, type APIResponse, type Page } from "@playwright/test";

export function onPort(port: number) {
  return {
    server: `http://127.0.0.1:${port}`,
    url: (host: string, path = "/") => `http://${host}:${port}${path}`,
    /** Request options that send the given Host header (Node's resolver knows no *.localhost). */
    onHost: (host: string, headers: Record<string, string> = {}) => ({ headers: { host: `${host}:${port}`, ...headers } }),
  };
}

export async function open(page: Page, address: string): Promise<number> {
  const response = await page.goto(address);
  expect(response, `no response for ${address}`).not.toBeNull();
  return response!.status();
}

export async function expectNotFoundPage(page: Page, address: string): Promise<void> {
  expect(await open(page, address)).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
  await expect(page.getByTestId("tenant-name")).toHaveCount(0);
  await expect(page.getByTestId("platform-title")).toHaveCount(0);
}

export async function expectProblem(res: APIResponse, status: number): Promise<Record<string, unknown>> {
  expect(res.status()).toBe(status);
  expect(res.headers()["content-type"]).toMatch(/^application\/problem\+json\b/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  expect((body.detail as string).length).toBeGreaterThan(0);
  return body;
}
