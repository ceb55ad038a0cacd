// The Node side of resolution against real PostgreSQL: trusts only the internal
// headers, confirms the tenant exists and is active, and resolves custom domains
// itself when the Edge could not.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closePool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { addDomain } from "@/lib/tenancy/domains";
import { dropTenant } from "@/lib/tenancy/drop-tenant";
import { forgetCachedTenants } from "@/lib/tenancy/find-tenant";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { setTenantStatus } from "@/lib/tenancy/set-tenant-status";
import { tenantFromHeaders } from "@/lib/tenancy/tenant-from-headers";

const suffix = randomBytes(3).toString("hex");
const a = `hdr-a-${suffix}`;
const b = `hdr-b-${suffix}`;
const host = `portal-${suffix}.example.test`;

beforeAll(async () => {
  await createTenant({ slug: a, name: "Header A" });
  await createTenant({ slug: b, name: "Header B" });
  await addDomain(a, host);
});

afterAll(async () => {
  await dropTenant(a, a);
  await dropTenant(b, b);
  await closePool();
});

const headers = (h: Record<string, string>) => new Headers(h);

describe("tenantFromHeaders", () => {
  it("loads the tenant the middleware named", async () => {
    expect((await tenantFromHeaders(headers({ [internalHeaders.tenant]: a })))?.name).toBe("Header A");
    expect(await tenantFromHeaders(headers({}))).toBeNull();
    expect(await tenantFromHeaders(headers({ [internalHeaders.tenant]: "no-such-tenant" }))).toBeNull();
    expect(await tenantFromHeaders(headers({ [internalHeaders.tenant]: 'x"; drop schema public; --' }))).toBeNull();
  });

  it("resolves a custom domain from PostgreSQL and checks it against X-Tenant-ID", async () => {
    expect((await tenantFromHeaders(headers({ [internalHeaders.tenantHost]: host })))?.slug).toBe(a);
    expect(await tenantFromHeaders(headers({ [internalHeaders.tenantHost]: `nope-${host}` }))).toBeNull();
    await expect(tenantFromHeaders(headers({ [internalHeaders.tenantHost]: host, [internalHeaders.tenant]: b }))).rejects.toBeInstanceOf(AppError);
  });

  it("refuses tenants that are not active", async () => {
    await setTenantStatus(b, "suspended");
    expect(await tenantFromHeaders(headers({ [internalHeaders.tenant]: b }))).toBeNull();
    await setTenantStatus(b, "archived");
    expect(await tenantFromHeaders(headers({ [internalHeaders.tenant]: b }))).toBeNull();
    await setTenantStatus(b, "active");
    forgetCachedTenants();
    expect((await tenantFromHeaders(headers({ [internalHeaders.tenant]: b })))?.slug).toBe(b);
  });
});
