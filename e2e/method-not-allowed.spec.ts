// A method a route does not export, against the production server (our launcher around
// `next build` output, port 3100): for EVERY route file under app/api/v1 and the webhook
// route, found on disk here (not from the launcher's table), each of GET, POST, PUT,
// PATCH, DELETE it does not export answers 405 application/problem+json with the request
// id (header and body) and an Allow header naming what the route does serve (plus HEAD
// with GET, and OPTIONS), as Next's own OPTIONS would. Also: the fuzz finding sent raw
// (`POST /api/v1/tenant/domains/./primary`), the platform routes, an unknown /api path
// (404 problem), and an unknown tenant (404 before any 405: nothing about routes leaks).
//   flock /tmp/e2e.lock npm test -- e2e method-not-allowed
import { readdirSync, readFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import path from "node:path";
import { expect, test, type APIResponse } from "@playwright/test";
import { closePool } from "@/lib/db/pool";
import { expectProblem, freshTenant, onPort } from "./support";

const { url, onHost } = onPort(3100);
const tried = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const exportable = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] as const;

interface RouteFile {
  /** e.g. /api/v1/tenant/domains/[name] */
  template: string;
  exported: string[];
}

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

function discover(): RouteFile[] {
  const root = process.cwd();
  return ["app/api/v1", "app/api/webhooks"].flatMap((base) =>
    routeFiles(path.join(root, base))
      .sort()
      .map((file) => {
        const source = readFileSync(file, "utf8");
        return {
          template: `/${path.relative(path.join(root, "app"), path.dirname(file)).split(path.sep).join("/")}`,
          exported: exportable.filter((m) => new RegExp(`export\\s+(const|(async\\s+)?function)\\s+${m}\\b`).test(source)),
        };
      }),
  );
}

/** Allow as RFC 9110 and Next's OPTIONS auto-implementation put it. */
function expectedAllow(exported: readonly string[]): string[] {
  const allow = new Set([...exported, "OPTIONS"]);
  if (allow.has("GET")) allow.add("HEAD");
  return [...allow].sort();
}

/** A concrete path for a template: dynamic segments get a value no static sibling has. */
function concrete(template: string): string {
  return template.replace(/\[[^\]]+\]/g, "seg-7f3a9c");
}

function allowOf(headers: Record<string, string | string[] | undefined>): string[] {
  const value = headers.allow;
  return String(value ?? "")
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean)
    .sort();
}

async function expect405(res: APIResponse, allow: string[], what: string) {
  expect(res.status(), what).toBe(405);
  const body = await expectProblem(res, 405);
  expect(body.title, what).toBe("Method Not Allowed");
  expect(allowOf(res.headers()), what).toEqual(allow);
  const requestId = res.headers()["x-request-id"];
  expect(requestId, what).toMatch(/^[A-Za-z0-9._-]{8,64}$/);
  expect(body.requestId, what).toBe(requestId);
}

/** A raw request: node:http sends the path exactly as written (fetch would resolve "./"). */
function raw(method: string, rawPath: string, host: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: 3100, method, path: rawPath, headers: onHost(host).headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

let slug: string;

test.beforeAll(async () => {
  slug = await freshTenant("m405");
});

test.afterAll(async () => {
  await closePool();
});

test("every /api/v1 route and the webhook route answer an unexported method with a 405 problem and Allow", async ({ request }) => {
  const routes = discover();
  expect(routes.length).toBeGreaterThan(35);
  expect(routes.map((r) => r.template)).toContain("/api/webhooks/[integrationId]");
  let sent = 0;
  for (const route of routes) {
    expect(route.exported.length, `${route.template} exports no method`).toBeGreaterThan(0);
    for (const method of tried.filter((m) => !route.exported.includes(m))) {
      const address = concrete(route.template);
      const res = await request.fetch(url("127.0.0.1", address), { method, ...onHost(`${slug}.localhost`), maxRedirects: 0 });
      await expect405(res, expectedAllow(route.exported), `${method} ${address}`);
      sent++;
    }
  }
  // Most routes export one to three of the five: well over a hundred refusals checked.
  expect(sent).toBeGreaterThan(100);
});

test("the fuzz finding: POST /api/v1/tenant/domains/./primary, sent raw, is domains/[name]'s 405", async () => {
  const res = await raw("POST", "/api/v1/tenant/domains/./primary", `${slug}.localhost`);
  expect(res.status).toBe(405);
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json\b/);
  expect(allowOf(res.headers)).toEqual(["DELETE", "GET", "HEAD", "OPTIONS"]);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body).toMatchObject({ type: "about:blank", title: "Method Not Allowed", status: 405, requestId: res.headers["x-request-id"] });
  expect(String(body.detail)).toContain("POST");
  // HEAD on a route without GET: a 405 too, headers only.
  const head = await raw("HEAD", "/api/webhooks/seg-7f3a9c", `${slug}.localhost`);
  expect([head.status, head.headers["content-type"], allowOf(head.headers), head.body]).toEqual([405, "application/problem+json", ["OPTIONS", "POST"], ""]);
});

test("platform routes, the operator API and next-auth's route: Next's 405 is a problem too; their own answers are untouched", async ({ request }) => {
  const platform = onHost("127.0.0.1");
  await expect405(await request.fetch(url("127.0.0.1", "/api/health"), { method: "POST", ...platform }), ["GET", "HEAD", "OPTIONS"], "POST /api/health");
  await expect405(
    await request.fetch(url("127.0.0.1", "/api/inngest"), { method: "DELETE", ...platform }),
    ["GET", "HEAD", "OPTIONS", "POST", "PUT"],
    "DELETE /api/inngest",
  );
  // next-auth serves GET and POST; a PUT never reaches it (Next refuses it).
  const tenantHost = onHost(`${slug}.localhost`);
  await expect405(
    await request.fetch(url("127.0.0.1", "/api/auth/session"), { method: "PUT", ...tenantHost }),
    ["GET", "HEAD", "OPTIONS", "POST"],
    "PUT /api/auth/session",
  );
  const session = await request.get(url("127.0.0.1", "/api/auth/session"), tenantHost);
  expect(session.status()).toBe(200);
  expect(session.headers()["content-type"]).toMatch(/^application\/json\b/);
  // The operator console's API (on the root host) too.
  await expect405(
    await request.fetch(url("127.0.0.1", "/platform/api/sign-in"), { method: "GET", ...onHost("localhost") }),
    ["OPTIONS", "POST"],
    "GET /platform/api/sign-in",
  );
  // Next's own OPTIONS agrees with the Allow of the 405.
  const options = await request.fetch(url("127.0.0.1", "/api/health"), { method: "OPTIONS", ...platform });
  expect(options.status()).toBe(204);
  expect(allowOf(options.headers())).toEqual(["GET", "HEAD", "OPTIONS"]);
});

test("an /api path no route serves is a 404 problem, whatever the method", async ({ request }) => {
  for (const method of tried) {
    const res = await request.fetch(url("127.0.0.1", "/api/v1/no-such-endpoint/seg-7f3a9c"), { method, ...onHost(`${slug}.localhost`) });
    await expectProblem(res, 404);
  }
});

// On 3100 the Edge knows every tenant from the Redis mirror. (Without Redis the Edge
// cannot tell and the Node side decides, after Next's 405: there an unknown tenant
// gets the 405, as it did before this answer became a problem.)
test("an unknown tenant gets the 404 before any 405 (route shapes do not leak past the tenant check)", async ({ request }) => {
  const res = await request.fetch(url("127.0.0.1", "/api/v1/tenant/domains/seg-7f3a9c"), { method: "POST", ...onHost("no-such-tenant-7f3a.localhost") });
  await expectProblem(res, 404);
  expect(res.headers().allow).toBeUndefined();
  // The same request on a real tenant is the 405.
  const known = await request.fetch(url("127.0.0.1", "/api/v1/tenant/domains/seg-7f3a9c"), { method: "POST", ...onHost(`${slug}.localhost`) });
  expect(known.status()).toBe(405);
});
