// The logger: secrets removed by pino's redaction config, whatever the call site passes;
// every line written during a request carries the request's context; one access line
// per request; LOG_LEVEL validated.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { issueTokensForPassword } from "@/lib/auth/sign-in-flow";
import { closePool } from "@/lib/db/pool";
import { EnvError, logEnv, resetEnvCache, serverEnv } from "@/lib/env";
import { withPrincipal, withTenant } from "@/lib/http/with-tenant";
import { routeTemplate } from "@/lib/observability/http";
import { log } from "@/lib/observability/logger";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { getTenantSettings } from "@/lib/tenancy/tenant-settings";
import { meta, tenantWithOwner, testPassword } from "./support/auth";
import { captureLogs } from "./support/logs";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const created: string[] = [];
afterAll(async () => {
  await dropTenantsQuietly(created);
  await closePool();
});

const secret = (name: string) => `${name}-${randomBytes(12).toString("hex")}`;

describe("redaction", () => {
  it("removes passwords, tokens, secrets, cookies, Authorization headers and webhook bodies, at the top and nested", () => {
    const logs = captureLogs();
    onTestFinished(logs.restore);
    const values = {
      password: secret("pw"),
      newPassword: secret("npw"),
      token: secret("tok"),
      accessToken: secret("at"),
      refresh_token: secret("rt"),
      secret: secret("sec"),
      apiKey: secret("key"),
      authorization: secret("auth"),
      cookie: secret("cookie"),
      bearer: secret("bearer"),
      webhookBody: secret("body"),
      headerKey: secret("xapikey"),
      setCookie: secret("setcookie"),
    };
    log().info(
      {
        password: values.password,
        user: { email: "a@example.test", newPassword: values.newPassword },
        token: values.token,
        session: { accessToken: values.accessToken, refresh_token: values.refresh_token },
        integration: { id: "i-1", secret: values.secret, apiKey: values.apiKey },
        authorization: values.authorization,
        req: { headers: { authorization: `Bearer ${values.bearer}`, cookie: values.cookie, "x-api-key": values.headerKey, "set-cookie": values.setCookie } },
        webhook: { id: "evt_1", body: values.webhookBody },
      },
      "a line full of secrets",
    );
    const raw = logs.raw();
    for (const [name, value] of Object.entries(values)) expect(raw, name).not.toContain(value);
    const [line] = logs.lines();
    expect(line).toMatchObject({
      msg: "a line full of secrets",
      password: "[redacted]",
      user: { email: "a@example.test", newPassword: "[redacted]" },
      integration: { id: "i-1", secret: "[redacted]" },
      req: { headers: { authorization: "[redacted]", cookie: "[redacted]" } },
      webhook: { id: "evt_1", body: "[redacted]" },
    });
  });

  it("writes JSON lines with an ISO time, a level name and a message", () => {
    const logs = captureLogs();
    onTestFinished(logs.restore);
    log().warn({ component: "test" }, "hello");
    const [line] = logs.lines();
    expect(line).toMatchObject({ level: "warn", msg: "hello", component: "test" });
    expect(new Date(String(line!.time)).toISOString()).toBe(line!.time);
  });
});

describe("request context and the access line", () => {
  it("every line of a tenant request carries request id, tenant, principal and route; one access line with status and duration", async () => {
    const slug = uniqueSlug("log");
    created.push(slug);
    const { ownerEmail } = await tenantWithOwner(slug);
    const { pair } = await issueTokensForPassword(slug, await getTenantSettings(slug), { email: ownerEmail, password: testPassword }, meta());
    const handler = withPrincipal("members:read", async () => {
      log().info({ step: "inside" }, "handler line");
      return Response.json({ ok: true });
    });
    const logs = captureLogs();
    onTestFinished(logs.restore);
    const requestId = `req-${randomBytes(6).toString("hex")}`;
    const userId = "3f0c9a2e-1111-4222-8333-444455556666";
    const res = await handler(
      new Request(`http://${slug}.localhost/api/v1/users/${userId}`, {
        headers: { [internalHeaders.tenant]: slug, [internalHeaders.requestId]: requestId, authorization: `Bearer ${pair.access_token}` },
      }),
      { params: Promise.resolve({ id: userId }) },
    );
    expect(res.status).toBe(200);
    const lines = logs.lines().filter((l) => l.request_id === requestId);
    const inside = lines.find((l) => l.msg === "handler line");
    const access = lines.filter((l) => l.msg === "request");
    expect(inside).toMatchObject({ tenant: slug, principal_type: "user", route: "/api/v1/users/[id]", method: "GET", step: "inside" });
    expect(typeof inside!.principal_id).toBe("string");
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ level: "info", tenant: slug, principal_type: "user", route: "/api/v1/users/[id]", method: "GET", status: 200 });
    expect(typeof access[0]!.duration_ms).toBe("number");
    // Neither the token nor the raw id reach the lines.
    expect(logs.raw()).not.toContain(pair.access_token);
    expect(logs.raw()).not.toContain(userId);
  });

  it("an unknown tenant and a handler error still give exactly one access line, the error logged with its stack", async () => {
    const logs = captureLogs();
    onTestFinished(logs.restore);
    const requestId = `req-${randomBytes(6).toString("hex")}`;
    const missing = await withTenant(async () => Response.json({}))(
      new Request("http://nobody.localhost/api/v1/tenant", {
        headers: { [internalHeaders.tenant]: "no-such-tenant-x", [internalHeaders.requestId]: requestId },
      }),
      { params: Promise.resolve({}) },
    );
    expect(missing.status).toBe(404);
    const slug = uniqueSlug("log");
    created.push(slug);
    await tenantWithOwner(slug);
    const failingId = `req-${randomBytes(6).toString("hex")}`;
    const failing = await withTenant(async () => {
      throw new Error("boom in a handler");
    })(new Request(`http://${slug}.localhost/api/v1/tenant`, { headers: { [internalHeaders.tenant]: slug, [internalHeaders.requestId]: failingId } }), {
      params: Promise.resolve({}),
    });
    expect(failing.status).toBe(500);
    expect(await failing.text()).not.toContain("boom");
    const lines = logs.lines();
    expect(lines.filter((l) => l.request_id === requestId && l.msg === "request")).toEqual([expect.objectContaining({ status: 404, route: "/api/v1/tenant" })]);
    const failed = lines.filter((l) => l.request_id === failingId);
    expect(failed.filter((l) => l.msg === "request")).toEqual([expect.objectContaining({ status: 500, level: "error", tenant: slug })]);
    const error = failed.find((l) => l.msg === "unhandled error");
    expect((error?.err as { stack?: string })?.stack).toContain("boom in a handler");
  });

  it("route templates replace parameter values only, so raw paths never become labels", () => {
    expect(routeTemplate("/api/v1/users/abc", { id: "abc" })).toBe("/api/v1/users/[id]");
    expect(routeTemplate("/api/v1/integrations/i1/events/e1", { id: "i1", eventId: "e1" })).toBe("/api/v1/integrations/[id]/events/[eventId]");
    // A parameter whose value equals a static segment: the later segment is the parameter.
    expect(routeTemplate("/api/v1/users/users", { id: "users" })).toBe("/api/v1/users/[id]");
    expect(routeTemplate("/api/a/b/c", { path: ["a", "b", "c"] })).toBe("/api/[...path]");
    expect(routeTemplate("/api/v1/users/%41", { id: "A" })).toBe("/api/v1/users/[id]");
  });
});

describe("LOG_LEVEL", () => {
  it("is validated in lib/env.ts and stops start-up when wrong", () => {
    const saved = process.env.LOG_LEVEL;
    onTestFinished(() => {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
      resetEnvCache();
    });
    process.env.LOG_LEVEL = "verbose";
    resetEnvCache();
    expect(() => logEnv()).toThrow(EnvError);
    expect(() => serverEnv()).toThrow(/LOG_LEVEL/);
    process.env.LOG_LEVEL = "debug";
    resetEnvCache();
    expect(logEnv().LOG_LEVEL).toBe("debug");
    expect(serverEnv().LOG_LEVEL).toBe("debug");
  });
});
