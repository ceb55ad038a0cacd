// Issue 13, findings 3 and 4, over HTTP against `next start`: the exact requests that
// answered 500 (NUL bytes) or 201 (year 99999) now get a 400 problem naming the field,
// and the API keys page survives a stored expiry Prisma cannot read back.
import { expect, test } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { closePool } from "@/lib/db/pool";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { encode } from "next-auth/jwt";
import { createSession } from "@/lib/auth/sessions";
import { serverEnv } from "@/lib/env";
import { tenantDb } from "@/lib/db/tenant-client";
import { expectProblem, freshTenant, onPort, tenantApi } from "./support";

/** A next-auth session cookie (both names: secure or not) for a live browser session of `email`. */
async function sessionCookie(slug: string, email: string): Promise<string> {
  const user = await tenantDb(slug).user.findFirstOrThrow({ where: { email }, select: { id: true } });
  const meta = { requestId: "e2e", ip: "127.0.0.1", userAgent: "e2e" };
  const session = await withAudit(slug, systemContext("e2e"), (tx) => createSession(tx, { userId: user.id, kind: "browser", meta }));
  const token = { sub: user.id, sid: session.id, tid: slug, email };
  const cookies = [];
  for (const name of ["platform.session", "__Secure-platform.session"]) {
    cookies.push(`${name}=${await encode({ token, secret: serverEnv().AUTH_SECRET, salt: name })}`);
  }
  return cookies.join("; ");
}

test.afterAll(async () => {
  await closePool();
});

function fieldsOf(problem: Record<string, unknown>): string[] {
  return ((problem.errors ?? []) as { path: string }[]).map((e) => e.path);
}

test("control characters in text fields and query parameters are a 400 naming the field", async ({ request }) => {
  const slug = await freshTenant("nul");
  const t = tenantApi(request, slug);

  // No authentication needed for this one.
  const token = await t.post("/api/v1/auth/token", { email: "owner\u0000@acme.test", password: "x" });
  expect(fieldsOf(await expectProblem(token, 400))).toContain("email");

  const { access_token: bearer } = await t.token();
  for (const param of ["actor", "target_type", "target_id", "q"]) {
    const res = await t.get(`/api/v1/audit-logs?${param}=%00`, bearer);
    expect(fieldsOf(await expectProblem(res, 400)), param).toContain(param);
  }

  const member = await t.post("/api/v1/users", { email: `m@${slug}.test`, role: "member", name: "a\u0000b" }, bearer);
  expect(fieldsOf(await expectProblem(member, 400))).toContain("name");
  const created = await t.post("/api/v1/users", { email: `m@${slug}.test`, role: "member", name: "fine" }, bearer);
  expect(created.status()).toBe(201);
  const memberId = ((await created.json()) as { id: string }).id;
  expect(fieldsOf(await expectProblem(await t.patch(`/api/v1/users/${memberId}`, { name: "b\u0000" }, bearer), 400))).toContain("name");

  expect(fieldsOf(await expectProblem(await t.post("/api/v1/api-keys", { name: "k\u0000", scopes: ["members:read"] }, bearer), 400))).toContain("name");

  const hook = await t.post("/api/v1/integrations", { name: "h\u0000", kind: "webhook", scheme: "github" }, bearer);
  expect(fieldsOf(await expectProblem(hook, 400))).toContain("name");
  const okHook = await t.post("/api/v1/integrations", { name: "hook", kind: "webhook", scheme: "github" }, bearer);
  expect(okHook.status()).toBe(201);
  const hookId = ((await okHook.json()) as { id: string }).id;
  expect(fieldsOf(await expectProblem(await t.patch(`/api/v1/integrations/${hookId}`, { name: "h\u0000" }, bearer), 400))).toContain("name");
});

test("dates are bounded: a year-99999 expiry is a 400 and nothing is stored", async ({ request }) => {
  const slug = await freshTenant("date");
  const t = tenantApi(request, slug);
  const { access_token: bearer } = await t.token();
  for (const expiresAt of ["99999-01-01", "+275760-09-13", `${new Date().getUTCFullYear() + 6}-01-01`]) {
    const res = await t.post("/api/v1/api-keys", { name: "far", scopes: ["members:read"], expiresAt }, bearer);
    expect(fieldsOf(await expectProblem(res, 400)), expiresAt).toContain("expiresAt");
  }
  const list = await t.get("/api/v1/api-keys", bearer);
  expect(((await list.json()) as { data: unknown[] }).data).toEqual([]);
  expect(fieldsOf(await expectProblem(await t.get("/api/v1/audit-logs?from=99999-01-01", bearer), 400))).toContain("from");
  expect(fieldsOf(await expectProblem(await t.get("/api/v1/audit-logs/report?from=2026-01-01&to=99999-01-01", bearer), 400))).toContain("to");
});

test("the API keys page and API survive stored expiries out of range", async ({ request }) => {
  const slug = await freshTenant("oldkeys");
  const t = tenantApi(request, slug);
  const { access_token: bearer } = await t.token();
  const make = async (name: string) =>
    (await (await t.post("/api/v1/api-keys", { name, scopes: ["members:read"] }, bearer)).json()) as { id: string; prefix: string; key: string };
  const far = await make("year 99999");
  const inf = await make("infinity");
  const schema = schemaNameFor(slug);
  // Rows as they were written before dates were bounded (Prisma cannot write them).
  await withAudit(slug, systemContext("e2e"), async (tx) => {
    await tx.$executeRawUnsafe(`UPDATE "${schema}".api_keys SET expires_at = '99999-01-01' WHERE id = $1::uuid`, far.id);
    await tx.$executeRawUnsafe(`UPDATE "${schema}".api_keys SET expires_at = 'infinity' WHERE id = $1::uuid`, inf.id);
  });

  // The page over HTTP, with a browser session cookie for the owner (no browser needed).
  const page = await request.get(onPort(3100).url("127.0.0.1", "/api-keys"), {
    headers: { ...onPort(3100).onHost(`${slug}.localhost`).headers, cookie: await sessionCookie(slug, `owner@${slug}.test`) },
    maxRedirects: 0,
  });
  const html = await page.text();
  expect(page.status(), html.slice(0, 300)).toBe(200);
  expect(html).toContain(`data-testid="api-key-${far.prefix}"`);
  expect(html).toContain("year 99999");
  expect(html).toContain("invalid date");

  const listed = await t.get("/api/v1/api-keys", bearer);
  expect(listed.status()).toBe(200);
  expect(((await listed.json()) as { data: unknown[] }).data).toHaveLength(2);
  // An expiry that cannot be read is not honoured as "never": the key does not authenticate.
  const me = await t.get("/api/v1/me", inf.key);
  await expectProblem(me, 401);
});

test("an /api path no route handles is a problem+json 404", async ({ request }) => {
  const slug = await freshTenant("nope");
  const t = tenantApi(request, slug);
  await expectProblem(await t.get("/api/v1/no-such-thing"), 404);
  await expectProblem(await t.post("/api/v1/integrations/x/events/y/z", {}), 404);
  await expectProblem(await t.get("/api/webhooks"), 404);
});
