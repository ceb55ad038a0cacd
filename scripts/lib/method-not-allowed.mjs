// @ts-check
// Next's own 405, as problem+json. A route handler asked for a method its route.ts does
// not export gets Next's bare 405 (empty body, no Allow: next/dist/server/route-modules/
// app-route/helpers/auto-implement-methods.js); Next offers no hook to change it. The
// launcher (scripts/start.mjs, so `npm start`, `npm run dev` and the e2e servers) turns
// that answer, on API paths only (/api/*, and the operator console's /platform/api/*),
// into the problem every other API error is, with the Allow header RFC 9110 asks for.
//
// Why here and not in the Edge middleware answering from the route table: cost does not
// decide it (measured in-process: a trie lookup is ~0.4 us per API request, a regex scan
// over the 47 routes ~2 us, against ~850 us of one core per request through Next with
// the Edge middleware (1,180 req/s); here two property writes, ~0.03 us). Correctness: Next
// stays the one that decides a method is not allowed (its router, its path normalisation,
// its live route modules under `next dev`), so a stale table can at worst make an Allow
// header wrong, never refuse a request a route serves (in the middleware, a method added
// under `next dev` would be refused until the table is regenerated). The route table
// (scripts/lib/api-route-methods.json, `npm run api:methods`) is read only to write
// Allow, on the rare 405. The cost: a bare `next start` (not our launcher) keeps Next's
// bare 405; every way the project runs (npm start, npm run dev, the tests) is covered.
//
// The body is the one lib/http/problem.ts builds for AppError("method_not_allowed") (this
// launcher is plain JavaScript and cannot import it); test/method-not-allowed.test.ts
// checks the two are identical.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { ServerResponse } from "node:http";

/** The middleware's request id format (middleware.ts). */
const requestIdPattern = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * @typedef {{ statics: Map<string, Node>, dynamic: Node | null, catchAll: Node | null, optionalCatchAll: Node | null, allow: string | null }} Node
 */

/** @returns {Node} */
function node() {
  return { statics: new Map(), dynamic: null, catchAll: null, optionalCatchAll: null, allow: null };
}

/**
 * The Allow value of a route exporting `methods`, as Next's OPTIONS auto-implementation
 * writes it: the exported methods, HEAD when GET is there, OPTIONS, sorted.
 * @param {readonly string[]} methods
 */
export function allowHeader(methods) {
  const allow = new Set(methods);
  if (allow.has("GET")) allow.add("HEAD");
  allow.add("OPTIONS");
  return [...allow].sort().join(", ");
}

/**
 * A matcher from route templates to their Allow value, with Next's precedence at each
 * segment: a static segment, then `[x]`, then `[...x]`, then `[[...x]]` (backtracking
 * when a branch does not reach a route).
 * @param {Record<string, string[]>} table  template -> exported methods
 * @returns {(pathname: string) => string | null}
 */
export function allowLookup(table) {
  const root = node();
  for (const [template, methods] of Object.entries(table)) {
    let at = root;
    for (const seg of template.split("/").filter(Boolean)) {
      if (/^\[\[\.\.\..+\]\]$/.test(seg)) at = at.optionalCatchAll ??= node();
      else if (/^\[\.\.\..+\]$/.test(seg)) at = at.catchAll ??= node();
      else if (/^\[.+\]$/.test(seg)) at = at.dynamic ??= node();
      else {
        const next = at.statics.get(seg) ?? node();
        at.statics.set(seg, next);
        at = next;
      }
    }
    at.allow = allowHeader(methods);
  }
  /**
   * @param {Node} at
   * @param {string[]} segs
   * @param {number} i
   * @returns {string | null}
   */
  const match = (at, segs, i) => {
    if (i === segs.length) return at.allow ?? at.optionalCatchAll?.allow ?? null;
    const seg = /** @type {string} */ (segs[i]);
    const byName = at.statics.get(seg);
    const found = (byName && match(byName, segs, i + 1)) ?? (at.dynamic && match(at.dynamic, segs, i + 1));
    return found ?? at.catchAll?.allow ?? at.optionalCatchAll?.allow ?? null;
  };
  return (pathname) =>
    match(
      root,
      pathname.split("/").filter((s) => s !== ""),
      0,
    );
}

/**
 * The problem answer to `method` on `pathname` (already normalised as Next does).
 * @param {{ method: string, pathname: string, requestId: string }} req
 * @param {(pathname: string) => string | null} lookup
 */
export function methodNotAllowedAnswer({ method, pathname, requestId }, lookup) {
  // A route Next found but the table does not know (not regenerated): OPTIONS at least is
  // true of every route (Next implements it when the route does not).
  const allow = lookup(pathname) ?? "OPTIONS";
  const body = JSON.stringify({
    type: "about:blank",
    title: "Method Not Allowed",
    status: 405,
    detail: `This endpoint does not accept ${method}; it accepts ${allow}.`,
    requestId,
  });
  return { status: 405, headers: { allow, "content-type": "application/problem+json", "cache-control": "no-store" }, body };
}

/**
 * The rewrite, for the launcher's request listener: `install(res)` for each request swaps
 * in two shared functions (no closure per request; the work happens only on a 405).
 * Next ends a bare 405 with `end()` and nothing written: status 405, no content type.
 * Both ways that answer can leave are covered: our `end` (no compression), or Next's
 * compression calling `writeHead` through `_implicitHeader()` first and `end` after.
 * @param {string} tableFile  path of api-route-methods.json
 */
export function problemFor405(tableFile) {
  const lookup = allowLookup(JSON.parse(readFileSync(tableFile, "utf8")));
  const { end, writeHead } = ServerResponse.prototype;
  /** @type {WeakMap<ServerResponse, string>} the body that replaces Next's empty one */
  const replaced = new WeakMap();

  /** @param {ServerResponse} res */
  const prepare = (res) => {
    if (res.statusCode !== 405 || res.headersSent || res.hasHeader("content-type")) return;
    const req = res.req;
    // The path as Next routed it (WHATWG parsing: dot segments resolved).
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (pathname !== "/api" && !pathname.startsWith("/api/") && !pathname.startsWith("/platform/api/")) return;
    const fromMiddleware = res.getHeader("x-request-id");
    const requestId = typeof fromMiddleware === "string" && requestIdPattern.test(fromMiddleware) ? fromMiddleware : randomUUID();
    const answer = methodNotAllowedAnswer({ method: req.method ?? "", pathname, requestId }, lookup);
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.setHeader("x-request-id", requestId);
    res.setHeader("content-length", Buffer.byteLength(answer.body));
    replaced.set(res, answer.body);
  };

  /**
   * @this {ServerResponse}
   * @param {any[]} args
   */
  function writeHeadApi(...args) {
    // Only `_implicitHeader()`'s form, writeHead(status): a call that brings headers of its own is not bare.
    if (args.length === 1 && args[0] === 405 && !replaced.has(this)) {
      this.statusCode = 405;
      prepare(this);
    }
    return writeHead.apply(this, /** @type {any} */ (args));
  }

  /**
   * @this {ServerResponse}
   * @param {any[]} args
   */
  function endApi(...args) {
    if (!replaced.has(this)) prepare(this);
    const body = replaced.get(this);
    // A HEAD request gets the headers only (Node drops the body of a HEAD response).
    if (body !== undefined) return end.call(this, body);
    return end.apply(this, /** @type {any} */ (args));
  }

  /** @param {ServerResponse} res */
  return (res) => {
    res.writeHead = /** @type {any} */ (writeHeadApi);
    res.end = /** @type {any} */ (endApi);
  };
}
