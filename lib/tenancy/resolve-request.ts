// Pure, Edge-safe resolution rules of the middleware, separated from I/O so that every
// rule is unit-tested. Lookups answer "unknown" when Redis cannot say (down, or the
// mirror was never built): then the Node side decides from PostgreSQL. The mirror is a
// cache for early rejection: the Node side re-checks status and custom hostnames.
import { classifyHost } from "./classify-host";
import { isValidSlug } from "./slug";

export type Lookup<T> = T | null | "unknown";

export interface EdgeLookups {
  tenantStatus(slug: string): Promise<Lookup<string>>;
  domainTenant(hostname: string): Promise<Lookup<string>>;
}

export type Resolution =
  | { type: "platform" }
  | { type: "tenant"; slug: string }
  | { type: "tenant-host"; hostname: string; headerSlug?: string }
  | { type: "not-found"; detail: string }
  | { type: "bad-request"; detail: string };

/** Paths that belong to the platform whatever the host: health, readiness, workflow engine, the API description. */
export function isPlatformApiPath(pathname: string): boolean {
  return /^\/api\/(health|ready|inngest)(\/|$)/.test(pathname) || pathname === "/api/v1/openapi.json";
}

/** Prometheus' endpoint: the platform's, on the root host (or a bare IP) only, never on a tenant's host. */
export function isMetricsPath(pathname: string): boolean {
  return /^\/api\/metrics\/?$/.test(pathname);
}

export function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/");
}

async function checkActive(slug: string, lookups: EdgeLookups): Promise<Resolution> {
  const status = await lookups.tenantStatus(slug);
  if (status === "unknown" || status === "active") return { type: "tenant", slug };
  return { type: "not-found", detail: `No active tenant "${slug}".` };
}

export async function resolveRequest(
  input: { host: string | null; pathname: string; tenantIdHeader: string | null },
  rootDomain: string,
  lookups: EdgeLookups,
): Promise<Resolution> {
  const api = isApiPath(input.pathname);
  if (api && isPlatformApiPath(input.pathname)) return { type: "platform" };
  if (isMetricsPath(input.pathname)) {
    return classifyHost(input.host, rootDomain).kind === "root" ? { type: "platform" } : { type: "not-found", detail: "No such API endpoint." };
  }

  const host = classifyHost(input.host, rootDomain);
  const rawHeader = api ? input.tenantIdHeader?.trim().toLowerCase() || null : null;
  if (rawHeader !== null && !isValidSlug(rawHeader)) return { type: "bad-request", detail: "The X-Tenant-ID header is not a valid tenant slug." };
  const headerSlug = rawHeader ?? undefined;

  switch (host.kind) {
    case "invalid":
      return { type: "not-found", detail: "Unknown host." };
    case "root":
      if (!api) return { type: "platform" };
      if (headerSlug) return checkActive(headerSlug, lookups);
      return { type: "not-found", detail: "No tenant: call the API on the tenant's host or send an X-Tenant-ID header." };
    case "subdomain": {
      if (!isValidSlug(host.label)) return { type: "not-found", detail: "Unknown tenant." };
      if (headerSlug && headerSlug !== host.label) return { type: "bad-request", detail: "The X-Tenant-ID header names a different tenant than the host." };
      return checkActive(host.label, lookups);
    }
    case "custom": {
      // The mirror only rejects early; the Node side always maps a custom hostname
      // itself (cached briefly), so a stale mirror cannot keep a removed domain alive.
      const onward: Resolution = { type: "tenant-host", hostname: host.hostname, ...(headerSlug ? { headerSlug } : {}) };
      const slug = await lookups.domainTenant(host.hostname);
      if (slug === "unknown") return onward;
      if (slug === null) return { type: "not-found", detail: "Unknown host." };
      if (headerSlug && headerSlug !== slug) return { type: "bad-request", detail: "The X-Tenant-ID header names a different tenant than the host." };
      const active = await checkActive(slug, lookups);
      return active.type === "tenant" ? onward : active;
    }
  }
}
