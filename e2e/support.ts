// Shared helpers of the e2e specs: addresses on one of the test servers, page opening,
// the 404 / problem+json checks, and (below) per-test tenants and sign-in for the
// authentication UI specs.
import { randomBytes, randomUUID } from "node:crypto";
import { expect, type APIRequestContext, type APIResponse, type Page } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { permissionsOf } from "@/lib/auth/permissions";
import { createMember } from "@/lib/members/members";
import { createTenant } from "@/lib/tenancy/create-tenant";

// Caught mail of the test stack's SMTP catcher (README "Email").
export { linkIn, mailTo, waitForMail, type CaughtMail } from "../test/support/mail";

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

// ---------------------------------------------------------------------------------
// Authentication UI helpers (auth-ui.spec.ts). Each test that signs in gets a tenant
// of its own, created directly through the library in the worker process (as
// global-setup does), so lockouts, sessions and rate-limit buckets never collide.

/** The demo password (lib/tenancy/seed-demo.ts); also used for the per-test tenants' users. */
export const testPassword = "Demo-Passw0rd-2026";

export interface TestTenant {
  slug: string;
  name: string;
  host: string;
  ownerEmail: string;
  /** Absolute address of `path` on the tenant's host (port 3100). */
  url: (path?: string) => string;
}

/** A fresh tenant `<prefix>-<random>` with an owner `owner@<slug>.test` (password testPassword). */
export async function createTestTenant(prefix: string): Promise<TestTenant> {
  const slug = `${prefix}-${randomBytes(3).toString("hex")}`;
  const name = `${prefix[0]!.toUpperCase()}${prefix.slice(1)} Test Ltd`;
  const ownerEmail = `owner@${slug}.test`;
  await createTenant({ slug, name, ownerEmail, ownerPassword: testPassword });
  const host = `${slug}.localhost`;
  return { slug, name, host, ownerEmail, url: (path = "/") => onPort(3100).url(host, path) };
}

/**
 * Adds a member through lib/members (acting as an owner-level system key). With a
 * password the member is active; without one they are invited (the token is returned).
 */
export async function addTestMember(
  slug: string,
  member: { email: string; role: "owner" | "admin" | "member" | "viewer"; name?: string; password?: string | null },
): Promise<{ id: string; invitationToken?: string }> {
  const actor = {
    kind: "api_key" as const,
    id: randomUUID(),
    name: "e2e setup",
    prefix: "tpk_e2e",
    permissions: permissionsOf("owner"),
    createdById: null,
    organizationId: null,
  };
  const password = member.password === null ? undefined : (member.password ?? testPassword);
  const created = await createMember(slug, actor, { email: member.email, role: member.role, name: member.name, password }, systemContext("e2e setup"));
  return { id: created.member.id, invitationToken: created.invitationToken };
}

/** On the sign-in page: fills the first step and submits it (no assertion on the outcome). */
export async function submitPassword(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Signs in with email and password (no second factor) and waits for the signed-in home page. */
export async function signIn(page: Page, tenant: Pick<TestTenant, "url">, email: string, password = testPassword): Promise<void> {
  await page.goto(tenant.url("/sign-in"));
  await submitPassword(page, email, password);
  await expect(page.getByTestId("whoami")).toBeVisible();
  expect(new URL(page.url()).pathname).toBe("/");
}

/** Clicks the header's sign-out button and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByTestId("sign-out").click();
  await page.waitForURL((u) => u.pathname === "/sign-in");
  await expect(page.getByTestId("header-sign-in")).toBeVisible();
}

// ---------------------------------------------------------------------------------
// API test helpers (api-auth.spec.ts, integrations-api.spec.ts).

/** The owner password of API-test tenants (freshTenant). */
export const apiPassword = "Correct-Horse-Battery-42";

/** A tenant of its own for an API test, with an active owner (owner@<slug>.test, apiPassword). */
export async function freshTenant(prefix: string): Promise<string> {
  const slug = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await createTenant({ slug, name: `E2E ${prefix}`, ownerEmail: `owner@${slug}.test`, ownerPassword: apiPassword });
  return slug;
}

/** HTTP calls on one tenant's host of the 3100 server, with an optional Bearer token. */
export function tenantApi(request: APIRequestContext, slug: string) {
  const host = `${slug}.localhost`;
  const headers = (token?: string, extra: Record<string, string> = {}) => ({
    ...onPort(3100).onHost(host, extra).headers,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
  return {
    post: (path: string, data: unknown, token?: string, extra?: Record<string, string>) =>
      request.post(onPort(3100).url("127.0.0.1", path), { headers: headers(token, extra), data }),
    get: (path: string, token?: string, extra?: Record<string, string>) => request.get(onPort(3100).url("127.0.0.1", path), { headers: headers(token, extra) }),
    patch: (path: string, data: unknown, token?: string) => request.patch(onPort(3100).url("127.0.0.1", path), { headers: headers(token), data }),
    delete: (path: string, token?: string) => request.delete(onPort(3100).url("127.0.0.1", path), { headers: headers(token) }),
    fetch: (path: string, method: string, extra: Record<string, string>) =>
      request.fetch(onPort(3100).url("127.0.0.1", path), { method, headers: headers(undefined, extra) }),
    token: async (email = `owner@${slug}.test`, otp?: string) => {
      const res = await request.post(onPort(3100).url("127.0.0.1", "/api/v1/auth/token"), {
        headers: headers(),
        data: { email, password: apiPassword, ...(otp ? { otp } : {}) },
      });
      expect(res.status(), await res.text()).toBe(200);
      return (await res.json()) as { access_token: string; refresh_token: string; token_type: string; expires_in: number };
    },
  };
}
