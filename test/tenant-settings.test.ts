// Tenant settings: validated whole, audited in the same transaction, no lost updates.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { forgetTenantSettings, getTenantSettings, updateTenantSettings } from "@/lib/tenancy/tenant-settings";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("set");
const other = uniqueSlug("set2");

beforeAll(async () => {
  await createTenant({ slug, name: "Settings Co" });
  await createTenant({ slug: other, name: "Other Co" });
});
afterAll(async () => {
  await dropTenantsQuietly([slug, other]);
  await closePool();
});

describe("updateTenantSettings", () => {
  it("refuses bad values and changes nothing", async () => {
    await expect(updateTenantSettings(slug, { corsOrigins: ["not a url"] }, systemContext("test"))).rejects.toMatchObject({ status: 400 });
    forgetTenantSettings();
    expect((await getTenantSettings(slug)).corsOrigins).toEqual([]);
  });

  it("keeps concurrent changes to different keys and audits each, in this tenant only", async () => {
    await Promise.all([
      updateTenantSettings(slug, { mfaRequiredForAdmins: true }, systemContext("a")),
      updateTenantSettings(slug, { corsOrigins: ["https://app.example.com"] }, systemContext("b")),
    ]);
    forgetTenantSettings();
    expect(await getTenantSettings(slug)).toMatchObject({ mfaRequiredForAdmins: true, corsOrigins: ["https://app.example.com"] });
    expect(await tenantDb(slug).auditLog.count({ where: { action: "settings.updated" } })).toBe(2);
    expect(await tenantDb(other).auditLog.count({ where: { action: "settings.updated" } })).toBe(0);
    expect((await getTenantSettings(other)).mfaRequiredForAdmins).toBe(false);
  });
});
