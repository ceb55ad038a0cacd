// Pure, Edge-safe: what kind of host a request came to.
export type HostClass = { kind: "root" } | { kind: "subdomain"; label: string } | { kind: "custom"; hostname: string } | { kind: "invalid" };

const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function normaliseHost(rawHost: string | null): string | null {
  if (!rawHost) return null;
  let host = rawHost.trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end > 0 ? host.slice(0, end + 1) : null;
  }
  host = host.replace(/:\d+$/, "").replace(/\.$/, "");
  return host || null;
}

export function classifyHost(rawHost: string | null, rootDomain: string): HostClass {
  const host = normaliseHost(rawHost);
  if (!host) return { kind: "invalid" };
  // Bare IPs (health checks, load balancers) reach the platform itself.
  if (host === rootDomain || ipv4.test(host) || host.startsWith("[")) return { kind: "root" };
  if (host === `www.${rootDomain}`) return { kind: "root" };
  if (host.endsWith(`.${rootDomain}`)) {
    const label = host.slice(0, -(rootDomain.length + 1));
    // Only one level: a.b.root is not a tenant.
    return label.includes(".") ? { kind: "invalid" } : { kind: "subdomain", label };
  }
  if (!/^[a-z0-9.-]+$/.test(host)) return { kind: "invalid" };
  return { kind: "custom", hostname: host };
}
