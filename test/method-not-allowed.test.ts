// Next's bare 405 as problem+json (scripts/lib/method-not-allowed.mjs, installed by the
// launcher): the route table is current, Allow is what Next's own OPTIONS would say for
// the route Next picks, the body is exactly the problem lib/http/problem.ts builds for
// AppError("method_not_allowed"), and the rewrite catches the answer however Next's
// response leaves (plain end(), or through Next's compression), touching nothing else.
// e2e/method-not-allowed.spec.ts checks the same against the real server.
import { readFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type RequestListener, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors/app-error";
import { problemFromError } from "@/lib/http/problem-from-error";
import { renderTable, scanApiRoutes, tableFile } from "@/scripts/lib/api-route-methods";
import { allowHeader, allowLookup, methodNotAllowedAnswer, problemFor405 } from "@/scripts/lib/method-not-allowed.mjs";
import { repoRoot } from "./support/cli";

const tablePath = path.join(repoRoot, tableFile);
const table = JSON.parse(readFileSync(tablePath, "utf8")) as Record<string, string[]>;

describe("the route table", () => {
  it("is what app/api exports now (else: npm run api:methods)", () => {
    expect(readFileSync(tablePath, "utf8")).toBe(renderTable(scanApiRoutes(repoRoot)));
  });

  it("holds the routes with the methods their files export", () => {
    expect(table["/api/v1/tenant/domains/[name]"]).toEqual(["DELETE", "GET", "OPTIONS"]);
    expect(table["/api/webhooks/[integrationId]"]).toEqual(["POST"]);
    expect(table["/api/[...path]"]).toEqual(["DELETE", "GET", "PATCH", "POST", "PUT"]);
    expect(table["/platform/api/sign-out"]).toEqual(["POST"]);
    expect(Object.keys(table).length).toBeGreaterThan(40);
  });
});

describe("Allow for a path", () => {
  const allow = allowLookup(table);

  it("writes Allow as Next's OPTIONS does: exported methods, HEAD with GET, OPTIONS, sorted", () => {
    expect(allowHeader(["POST"])).toBe("OPTIONS, POST");
    expect(allowHeader(["GET", "DELETE"])).toBe("DELETE, GET, HEAD, OPTIONS");
    expect(allowHeader(["OPTIONS", "GET"])).toBe("GET, HEAD, OPTIONS");
  });

  it("picks the route Next picks: static segments before [x], [x] before [...x]", () => {
    // The fuzz case: /api/v1/tenant/domains/./primary is domains/[name] with name "primary".
    expect(allow("/api/v1/tenant/domains/primary")).toBe("DELETE, GET, HEAD, OPTIONS");
    expect(allow("/api/v1/tenant/domains/example.test/primary")).toBe("OPTIONS, POST");
    expect(allow("/api/v1/integrations/abc/events/replay")).toBe("OPTIONS, POST");
    expect(allow("/api/v1/integrations/abc/events/e-1")).toBe("GET, HEAD, OPTIONS");
    expect(allow("/api/v1/openapi.json")).toBe("GET, HEAD, OPTIONS");
    expect(allow("/api/webhooks/some-id")).toBe("OPTIONS, POST");
    expect(allow("/api/auth/session")).toBe("GET, HEAD, OPTIONS, POST");
    expect(allow("/api/auth/callback/credentials")).toBe("GET, HEAD, OPTIONS, POST");
    // No route: the /api catch-all, which takes every method.
    expect(allow("/api/v1/users/x/nothing/here")).toBe("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
    expect(allow("/api/v1/tenant/")).toBe("GET, HEAD, OPTIONS");
    // The operator console's API.
    expect(allow("/platform/api/tenants/acme/domains")).toBe("OPTIONS, POST");
    expect(allow("/platform/api/tenants/acme/suspend")).toBe("OPTIONS, POST");
    expect(allow("/platform/api/tenants/acme")).toBe("GET, HEAD, OPTIONS");
  });

  it("backtracks when the more specific branch reaches no route", () => {
    const lookup = allowLookup({ "/a/b/[y]": ["GET"], "/a/[x]/c": ["POST"], "/o/[[...rest]]": ["PUT"] });
    expect(lookup("/a/b/c")).toBe("GET, HEAD, OPTIONS");
    expect(lookup("/a/z/c")).toBe("OPTIONS, POST");
    expect(lookup("/a/z/d")).toBeNull();
    expect(lookup("/o")).toBe("OPTIONS, PUT");
    expect(lookup("/o/1/2")).toBe("OPTIONS, PUT");
  });
});

describe("the problem", () => {
  it("is the one lib/http/problem.ts builds for AppError('method_not_allowed')", async () => {
    const answer = methodNotAllowedAnswer({ method: "POST", pathname: "/api/v1/tenant/domains/primary", requestId: "req-12345678" }, allowLookup(table));
    const detail = (JSON.parse(answer.body) as { detail: string }).detail;
    const reference = problemFromError(new AppError("method_not_allowed", detail, [], { headers: { allow: "DELETE, GET, HEAD, OPTIONS" } }), "req-12345678");
    expect(answer.status).toBe(reference.status);
    expect(answer.body).toBe(await reference.text());
    expect(answer.headers).toEqual(Object.fromEntries(reference.headers));
    expect(detail).toBe("This endpoint does not accept POST; it accepts DELETE, GET, HEAD, OPTIONS.");
  });
});

describe("the rewrite in the launcher", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(handler: RequestListener): Promise<number> {
    const install = problemFor405(tablePath);
    server = createServer((req, res) => {
      install(res);
      handler(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return (server!.address() as AddressInfo).port;
  }

  /** A raw request: the path goes out exactly as written (fetch would resolve "./"). */
  function send(port: number, method: string, rawPath: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, method, path: rawPath }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  // What Next's sendResponse does with `new Response(null, { status: 405 })`, after the
  // middleware's response headers were applied.
  const bare405: RequestListener = (_req, res) => {
    res.setHeader("x-request-id", "mw-req-0001");
    res.setHeader("cache-control", "no-store");
    res.statusCode = 405;
    res.end();
  };

  it("turns Next's bare 405 on /api into the problem, with Allow and the middleware's request id", async () => {
    const port = await serve(bare405);
    const res = await send(port, "POST", "/api/v1/tenant/domains/./primary");
    expect(res.status).toBe(405);
    expect(res.headers["content-type"]).toBe("application/problem+json");
    expect(res.headers.allow).toBe("DELETE, GET, HEAD, OPTIONS");
    expect(res.headers["x-request-id"]).toBe("mw-req-0001");
    expect(Number(res.headers["content-length"])).toBe(Buffer.byteLength(res.body));
    expect(JSON.parse(res.body)).toEqual({
      type: "about:blank",
      title: "Method Not Allowed",
      status: 405,
      detail: "This endpoint does not accept POST; it accepts DELETE, GET, HEAD, OPTIONS.",
      requestId: "mw-req-0001",
    });
  });

  it("does the same when Next's compression sends the headers first (implicit writeHead, then end)", async () => {
    // The compression Next's router server applies to every response (router-server.js).
    const compression = createRequire(import.meta.url)("next/dist/compiled/compression") as () => (req: unknown, res: unknown, next: () => void) => void;
    const compress = compression();
    const port = await serve((req, res) => compress(req, res, () => bare405(req, res)));
    const res = await send(port, "DELETE", "/api/webhooks/abc");
    expect(res.status).toBe(405);
    expect(res.headers["content-type"]).toBe("application/problem+json");
    expect(res.headers.allow).toBe("OPTIONS, POST");
    expect(JSON.parse(res.body)).toMatchObject({ status: 405, title: "Method Not Allowed", requestId: "mw-req-0001" });
  });

  it("answers HEAD with the headers only", async () => {
    const port = await serve(bare405);
    const res = await send(port, "HEAD", "/api/webhooks/abc");
    expect(res.status).toBe(405);
    expect(res.headers["content-type"]).toBe("application/problem+json");
    expect(res.headers.allow).toBe("OPTIONS, POST");
    expect(res.body).toBe("");
  });

  it("leaves alone a 405 off /api, a 405 that has a body of its own, and every other answer", async () => {
    const port = await serve((req, res) => {
      if (req.url === "/api/own") {
        res.writeHead(405, { "content-type": "text/plain" });
        res.end("mine");
      } else if (req.url === "/api/ok") {
        res.statusCode = 204;
        res.end();
      } else bare405(req, res);
    });
    const page = await send(port, "POST", "/settings");
    expect([page.status, page.headers["content-type"], page.headers.allow, page.body]).toEqual([405, undefined, undefined, ""]);
    const own = await send(port, "POST", "/api/own");
    expect([own.status, own.headers["content-type"], own.body]).toEqual([405, "text/plain", "mine"]);
    const ok = await send(port, "GET", "/api/ok");
    expect([ok.status, ok.headers["content-type"], ok.body]).toEqual([204, undefined, ""]);
  });
});
