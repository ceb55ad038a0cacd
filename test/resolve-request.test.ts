// The middleware's resolution rules, with in-memory lookups standing in for the Redis
// mirror (these are pure functions; the real Redis path is covered by the e2e suite).
import { describe, expect, it } from "vitest";
import { classifyHost, normaliseHost } from "@/lib/tenancy/classify-host";
import { resolveRequest, type EdgeLookups, type Lookup } from "@/lib/tenancy/resolve-request";

function lookups(tenants: Record<string, string>, domains: Record<string, string>, ready = true): EdgeLookups {
  const answer = (map: Record<string, string>, key: string): Lookup<string> => map[key] ?? (ready ? null : "unknown");
  return {
    tenantStatus: async (slug) => answer(tenants, slug),
    domainTenant: async (host) => answer(domains, host),
  };
}

const mirror = lookups(
  { acme: "active", globex: "active", sleepy: "suspended", old: "archived" },
  { "portal.acme.example": "acme", "portal.sleepy.example": "sleepy" },
);
const resolve = (host: string | null, pathname = "/", tenantIdHeader: string | null = null, l: EdgeLookups = mirror) =>
  resolveRequest({ host, pathname, tenantIdHeader }, "localhost", l);

describe("classifyHost", () => {
  it("recognises root, subdomains, custom domains and junk", () => {
    expect(classifyHost("localhost:3000", "localhost")).toEqual({ kind: "root" });
    expect(classifyHost("www.localhost", "localhost")).toEqual({ kind: "root" });
    expect(classifyHost("127.0.0.1:3000", "localhost")).toEqual({ kind: "root" });
    expect(classifyHost("[::1]:3000", "localhost")).toEqual({ kind: "root" });
    expect(classifyHost("ACME.Localhost:3000", "localhost")).toEqual({ kind: "subdomain", label: "acme" });
    expect(classifyHost("a.b.localhost", "localhost")).toEqual({ kind: "invalid" });
    expect(classifyHost("portal.acme.example.", "localhost")).toEqual({ kind: "custom", hostname: "portal.acme.example" });
    expect(classifyHost("bad host!", "localhost")).toEqual({ kind: "invalid" });
    expect(classifyHost(null, "localhost")).toEqual({ kind: "invalid" });
    expect(classifyHost("acme.example.com", "example.com")).toEqual({ kind: "subdomain", label: "acme" });
  });

  it("normalises ports, case and trailing dots", () => {
    expect(normaliseHost("Acme.LOCALHOST:8080")).toBe("acme.localhost");
    expect(normaliseHost("example.com.")).toBe("example.com");
    expect(normaliseHost("")).toBeNull();
  });
});

describe("resolveRequest", () => {
  it("serves the platform on the root domain", async () => {
    expect(await resolve("localhost:3000")).toEqual({ type: "platform" });
    expect(await resolve("localhost:3000", "/about")).toEqual({ type: "platform" });
  });

  it("resolves active tenants from their subdomain, and 404s unknown, suspended and archived ones", async () => {
    expect(await resolve("acme.localhost:3000")).toEqual({ type: "tenant", slug: "acme" });
    expect(await resolve("globex.localhost", "/api/v1/tenant")).toEqual({ type: "tenant", slug: "globex" });
    expect((await resolve("nobody.localhost")).type).toBe("not-found");
    expect((await resolve("sleepy.localhost")).type).toBe("not-found");
    expect((await resolve("old.localhost")).type).toBe("not-found");
    // A label that is not a valid slug never reaches a lookup.
    expect((await resolve("www-.localhost")).type).toBe("not-found");
    expect((await resolve("platform.localhost")).type).toBe("not-found");
  });

  it("resolves verified custom domains through the mirror", async () => {
    // Found: handed to the Node side, which maps the hostname itself.
    expect(await resolve("portal.acme.example")).toEqual({ type: "tenant-host", hostname: "portal.acme.example" });
    expect(await resolve("portal.acme.example", "/api/v1/tenant", "acme")).toEqual({
      type: "tenant-host",
      hostname: "portal.acme.example",
      headerSlug: "acme",
    });
    expect((await resolve("unknown.example")).type).toBe("not-found");
    expect((await resolve("portal.sleepy.example")).type).toBe("not-found");
  });

  it("uses X-Tenant-ID only on /api/*", async () => {
    expect(await resolve("localhost", "/api/v1/tenant", "globex")).toEqual({ type: "tenant", slug: "globex" });
    expect(await resolve("localhost", "/api/v1/tenant", " GLOBEX ")).toEqual({ type: "tenant", slug: "globex" });
    // Browsers on the root domain get the platform whatever the header says.
    expect(await resolve("localhost", "/", "globex")).toEqual({ type: "platform" });
    expect((await resolve("localhost", "/api/v1/tenant", "sleepy")).type).toBe("not-found");
    expect((await resolve("localhost", "/api/v1/tenant")).type).toBe("not-found");
  });

  it("refuses a header that disagrees with the host, or is not a slug", async () => {
    expect((await resolve("acme.localhost", "/api/v1/tenant", "globex")).type).toBe("bad-request");
    expect((await resolve("portal.acme.example", "/api/v1/tenant", "globex")).type).toBe("bad-request");
    expect(await resolve("acme.localhost", "/api/v1/tenant", "acme")).toEqual({ type: "tenant", slug: "acme" });
    expect((await resolve("localhost", "/api/v1/tenant", 'acme"; drop schema x; --')).type).toBe("bad-request");
  });

  it("keeps health, readiness and the workflow endpoint on every host", async () => {
    for (const path of ["/api/health", "/api/ready", "/api/inngest"]) {
      expect(await resolve("nobody.localhost", path)).toEqual({ type: "platform" });
      expect(await resolve("localhost", path)).toEqual({ type: "platform" });
    }
    expect((await resolve("nobody.localhost", "/api/healthz")).type).toBe("not-found");
  });

  it("defers to the Node side when Redis cannot answer", async () => {
    const blind = lookups({}, {}, false);
    // Subdomains still resolve (PostgreSQL confirms on the Node side)...
    expect(await resolve("acme.localhost", "/", null, blind)).toEqual({ type: "tenant", slug: "acme" });
    // ...and custom domains are looked up there.
    expect(await resolve("portal.acme.example", "/api/v1/tenant", "globex", blind)).toEqual({
      type: "tenant-host",
      hostname: "portal.acme.example",
      headerSlug: "globex",
    });
  });
});
