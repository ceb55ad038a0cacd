// Periodic scans look only at tenants whose table was written since a scan found them
// settled (lib/db/table-activity.ts), against real PostgreSQL statistics.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CLUSTER } from "@/lib/db/clusters";
import { closePool } from "@/lib/db/pool";
import { tableActivity } from "@/lib/db/table-activity";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { addUser, tenantWithOwner } from "./support/auth";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const a = uniqueSlug("act");
const b = uniqueSlug("act2");
const tenant = (slug: string, cluster = DEFAULT_CLUSTER) => ({ slug, schemaName: schemaNameFor(slug), cluster });

beforeAll(async () => {
  await tenantWithOwner(a);
  await tenantWithOwner(b);
});

afterAll(async () => {
  await dropTenantsQuietly([a, b]);
  await closePool();
});

describe("table activity", () => {
  it("scans everyone first, then only a tenant written since it was found settled, not the other", async () => {
    const activity = tableActivity("users", { fullPassEveryMs: 3_600_000 });
    const first = await activity.toScan([tenant(a), tenant(b)]);
    expect(first.slugs).toEqual([a, b]);
    // The owners' inserts are counted (PostgreSQL reports them within seconds).
    for (let i = 0; i < 200 && !(Number(first.counts.get(a) ?? 0) > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      Object.assign(first, await activity.toScan([tenant(a), tenant(b)]));
    }
    expect(Number(first.counts.get(a))).toBeGreaterThan(0);
    activity.settled(a, first.counts.get(a));
    activity.settled(b, first.counts.get(b));
    // Scanned exactly when the count moved (the owners' inserts may still be arriving).
    const moved = (scan: { counts: Map<string, string> }) => [a, b].filter((t) => scan.counts.get(t) !== first.counts.get(t));
    const again = await activity.toScan([tenant(a), tenant(b)]);
    expect(again.slugs).toEqual(moved(again));

    await addUser(a, `new@${a}.test`, "member");
    let scan = await activity.toScan([tenant(a), tenant(b)]);
    for (let i = 0; i < 200 && !scan.slugs.includes(a); i++) {
      await new Promise((r) => setTimeout(r, 100));
      scan = await activity.toScan([tenant(a), tenant(b)]);
    }
    expect(scan.slugs).toContain(a);
    expect(scan.slugs).toEqual(moved(scan));
  }, 60_000);

  it("scans every tenant on a full pass, and every tenant of a cluster it cannot read", async () => {
    const always = tableActivity("users", { fullPassEveryMs: 0 });
    const s = await always.toScan([tenant(a)]);
    always.settled(a, s.counts.get(a));
    expect((await always.toScan([tenant(a)])).slugs).toEqual([a]);

    const activity = tableActivity("users", { fullPassEveryMs: 3_600_000 });
    await activity.toScan([tenant(a)]);
    activity.settled(b, "0");
    expect((await activity.toScan([tenant(b, "not-configured-here")])).slugs).toEqual([b]);
  });
});
