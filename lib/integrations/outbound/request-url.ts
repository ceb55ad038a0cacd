// The URL of one call: the caller's path joined onto the integration's base URL. The
// path can only go deeper, never elsewhere: no scheme, no `//host`, no backslashes
// (WHATWG turns `\` into `/`), no `..` above the base path.
import { SsrfRefusedError } from "./errors";

const hasScheme = /^[a-z][a-z0-9+.-]*:/i;

export function buildUrl(baseUrl: string, path: string, query?: Record<string, string | number | boolean>): URL {
  const base = new URL(baseUrl);
  if (hasScheme.test(path) || path.startsWith("//") || path.includes("\\")) {
    throw new SsrfRefusedError("the path must be relative to the integration's base URL");
  }
  const basePath = base.pathname.replace(/\/+$/, "");
  const url = new URL(base.href);
  url.hash = "";
  // The pathname setter percent-encodes '?' and '#', so a path cannot smuggle in a query.
  url.pathname = `${basePath}/${path.replace(/^\/+/, "")}`;
  if (url.origin !== base.origin || !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))) {
    throw new SsrfRefusedError("the path leaves the integration's base URL");
  }
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.append(name, String(value));
  return url;
}

/** What audit rows and logs show of a URL: origin and path, never the query (it may hold keys). */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
