// Absolute links on the tenant's own host (invitation links). The Host header is
// trusted here because the middleware resolved the tenant from it; X-Forwarded-Host
// is not (nothing checked it). A request that named its tenant with X-Tenant-ID on
// the root domain gets the tenant's subdomain instead.
import { serverEnv } from "@/lib/env";

interface HeaderReader {
  get(name: string): string | null;
}

export function tenantOrigin(headers: HeaderReader, slug: string): string {
  const rawHost = headers.get("host") ?? "";
  const { hostname, port } = new URL(`http://${rawHost || "invalid"}`);
  const root = serverEnv().APP_ROOT_DOMAIN;
  const onRoot = hostname === root || /^[\d.]+$/.test(hostname) || hostname.startsWith("[");
  const host = onRoot || !rawHost ? `${slug}.${root}${port ? `:${port}` : ""}` : rawHost;
  const proto =
    headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https" ? "https" : serverEnv().NODE_ENV === "production" && !port ? "https" : "http";
  return `${proto}://${host}`;
}

export function invitationUrl(headers: HeaderReader, slug: string, token: string): string {
  return `${tenantOrigin(headers, slug)}/invite/${token}`;
}
