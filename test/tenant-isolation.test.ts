// Tenant data isolation: every tenant's Prisma client reads and writes its own schema
// only, with schema-qualified SQL on the one shared pool, whatever connection it gets.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closePool, getPool } from "@/lib/db/pool";
import { tenantClientCacheSize, tenantDb } from "@/lib/db/tenant-client";
import { resetEnvCache, serverEnv } from "@/lib/env";
import { withAudit } from "@/lib/audit/with-audit";
import type { TenantClient } from "@/lib/db/tenant-client";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

// A small pool and client cache, so that the many-tenants test has to share
// connections between tenants and evict clients. (Each test file runs in its own
// process, so this does not leak into other files.)
const POOL_MAX = 5;
const CACHE_SIZE = 8;
process.env.DB_POOL_MAX = String(POOL_MAX);
process.env.TENANT_CLIENT_CACHE_SIZE = String(CACHE_SIZE);
resetEnvCache();

const a = uniqueSlug("iso-a");
const b = uniqueSlug("iso-b");
const schemaA = `tenant_${a.replaceAll("-", "_")}`;
const schemaB = `tenant_${b.replaceAll("-", "_")}`;
const sharedEmail = "owner@shared.test";
const created: string[] = [a, b];

/**
 * Writes through withAudit (tenant writes need an audit context): `audited(slug).user.create(args)`
 * runs `tx.user.create(args)` in an audited transaction on that tenant's client.
 */
function audited(slug: string): Pick<TenantClient, "user" | "organization"> {
  const ctx = { actorType: "system" as const, actorLabel: "isolation test" };
  const model = (name: string) =>
    new Proxy(
      {},
      {
        get: (_t, op: string) => (args: unknown) =>
          withAudit(slug, ctx, (tx) => (tx as unknown as Record<string, Record<string, (a: unknown) => Promise<unknown>>>)[name]![op]!(args)),
      },
    );
  return { user: model("user"), organization: model("organization") } as unknown as Pick<TenantClient, "user" | "organization">;
}

let raw: pg.Client;
/** Every SQL text sent through the shared pool, in order. */
const sentSql: string[] = [];

async function rawUsers(schema: string): Promise<{ id: string; email: string; name: string | null }[]> {
  const { rows } = await raw.query(`SELECT id, email, name FROM "${schema}".users ORDER BY email`);
  return rows;
}

async function rawCount(schema: string, table: string): Promise<number> {
  const { rows } = await raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`);
  return rows[0]!.n;
}

beforeAll(async () => {
  expect(serverEnv().DB_POOL_MAX).toBe(POOL_MAX);
  // Record the SQL of every pooled connection (Prisma's adapter included).
  getPool().on("connect", (client: pg.PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const config = args[0];
      sentSql.push(typeof config === "string" ? config : String((config as { text?: string })?.text));
      return query(...args);
    };
  });
  await createTenant({ slug: a, name: "Isolation A", ownerEmail: sharedEmail });
  await createTenant({ slug: b, name: "Isolation B", ownerEmail: sharedEmail.toUpperCase() });
  raw = await rawClient();
});

afterAll(async () => {
  await raw?.end();
  await dropTenantsQuietly(created);
  await closePool();
});

describe("two tenants with the same user email", () => {
  it("have two different rows in two schemas", async () => {
    const [ownerA] = await rawUsers(schemaA);
    const [ownerB] = await rawUsers(schemaB);
    expect(ownerA?.email).toBe(sharedEmail);
    expect(ownerB?.email).toBe(sharedEmail); // stored lower-cased
    expect(ownerA!.id).not.toBe(ownerB!.id);

    const userA = await audited(a).user.create({ data: { email: "same@example.test", name: "in A" } });
    const userB = await audited(b).user.create({ data: { email: "same@example.test", name: "in B" } });
    expect(userA.id).not.toBe(userB.id);
    expect((await rawUsers(schemaA)).map((u) => [u.email, u.name])).toContainEqual(["same@example.test", "in A"]);
    expect((await rawUsers(schemaB)).map((u) => [u.email, u.name])).toContainEqual(["same@example.test", "in B"]);
  });

  it("are unique within one tenant only", async () => {
    await expect(audited(a).user.create({ data: { email: sharedEmail } })).rejects.toMatchObject({ code: "P2002" });
    expect(await rawCount(schemaA, "users")).toBe(2);
    expect(await rawCount(schemaB, "users")).toBe(2);
  });
});

describe("tenantDb(a) never touches b's rows", () => {
  it("reads only a's rows", async () => {
    const usersA = await tenantDb(a).user.findMany({ orderBy: { email: "asc" } });
    expect(usersA.map((u) => u.id)).toEqual((await rawUsers(schemaA)).map((u) => u.id));
    expect(await tenantDb(a).user.count()).toBe(await rawCount(schemaA, "users"));

    for (const userB of await rawUsers(schemaB)) {
      expect(await tenantDb(a).user.findUnique({ where: { id: userB.id } })).toBeNull();
      expect(await tenantDb(b).user.findUnique({ where: { id: userB.id } })).not.toBeNull();
    }
    const owner = await tenantDb(a).user.findUnique({ where: { email: sharedEmail } });
    expect(owner?.id).toBe((await rawUsers(schemaA)).find((u) => u.email === sharedEmail)?.id);
  });

  it("cannot update or delete b's rows by id", async () => {
    const before = await rawUsers(schemaB);
    const target = before[0]!;
    await expect(audited(a).user.update({ where: { id: target.id }, data: { name: "hijacked" } })).rejects.toMatchObject({
      code: "P2025",
    });
    await expect(audited(a).user.delete({ where: { id: target.id } })).rejects.toMatchObject({ code: "P2025" });
    const ids = before.map((u) => u.id);
    expect((await audited(a).user.updateMany({ where: { id: { in: ids } }, data: { name: "hijacked" } })).count).toBe(0);
    expect((await audited(a).user.deleteMany({ where: { id: { in: ids } } })).count).toBe(0);
    expect(await rawUsers(schemaB)).toEqual(before);
  });

  it("updates and deletes without a filter affect a's rows only", async () => {
    const beforeB = await rawUsers(schemaB);
    const updated = await audited(a).user.updateMany({ data: { name: "renamed in A" } });
    expect(updated.count).toBe(await rawCount(schemaA, "users"));
    expect((await rawUsers(schemaA)).every((u) => u.name === "renamed in A")).toBe(true);
    expect(await rawUsers(schemaB)).toEqual(beforeB);

    await audited(a).organization.createMany({ data: [{ name: "Org 1" }, { name: "Org 2" }] });
    await audited(b).organization.create({ data: { name: "Org 1" } });
    expect((await audited(a).organization.deleteMany()).count).toBe(2);
    expect(await rawCount(schemaA, "organizations")).toBe(0);
    expect(await rawCount(schemaB, "organizations")).toBe(1);
    expect((await tenantDb(b).organization.findMany()).map((o) => o.name)).toEqual(["Org 1"]);
  });

  it("sees rows written to its schema by others, and only those", async () => {
    const countA = await tenantDb(a).user.count();
    await raw.query(
      `BEGIN; SELECT set_config('audit.context', '{"actorType":"system"}', true);
       INSERT INTO "${schemaB}".users (id, email, updated_at) VALUES (gen_random_uuid(), 'raw@b.test', now()); COMMIT`,
    );
    expect(await tenantDb(a).user.count()).toBe(countA);
    expect(await tenantDb(a).user.findUnique({ where: { email: "raw@b.test" } })).toBeNull();
    expect(await tenantDb(b).user.findUnique({ where: { email: "raw@b.test" } })).not.toBeNull();
  });
});

describe("the SQL Prisma sends", () => {
  it("names the tenant's schema in every statement and never sets search_path", async () => {
    sentSql.length = 0;
    await tenantDb(a).user.findMany();
    await tenantDb(b).organization.count();
    await audited(a).user.updateMany({ where: { email: "nobody@x.test" }, data: { name: "x" } });

    const statements = sentSql.filter((s) => /"(users|organizations)"/.test(s));
    expect(statements.length).toBeGreaterThanOrEqual(3);
    for (const s of statements) {
      // Each table reference is qualified with a tenant schema...
      const tableRefs = [...s.matchAll(/("[a-z0-9_]+"\.)?"(users|organizations)"/g)];
      expect(tableRefs.length, s).toBeGreaterThan(0);
      for (const ref of tableRefs) expect([`"${schemaA}".`, `"${schemaB}".`], s).toContain(ref[1]);
    }
    expect(statements.some((s) => s.includes(`"${schemaA}"."users"`))).toBe(true);
    expect(statements.some((s) => s.includes(`"${schemaB}"."organizations"`))).toBe(true);
    expect(statements.some((s) => s.includes(`"${schemaB}"."users"`))).toBe(false);
    expect(sentSql.filter((s) => /search_path/i.test(s))).toEqual([]);

    // ...so the pooled connections keep the server's default search_path.
    const { rows } = await getPool().query<{ search_path: string }>("SHOW search_path");
    expect(rows[0]?.search_path).toBe('"$user", public');
  });
});

describe("tenant clients", () => {
  it("are cached: tenantDb(slug) returns the same instance", () => {
    expect(tenantDb(a)).toBe(tenantDb(a));
    expect(tenantDb(b)).toBe(tenantDb(b));
    expect(tenantDb(a)).not.toBe(tenantDb(b));
  });

  it("are only built for valid slugs", () => {
    expect(() => tenantDb('x"; drop schema public; --')).toThrow();
    expect(() => tenantDb("Acme")).toThrow();
  });

  it("of many tenants share the one bounded pool, and each sees only its data", async () => {
    const many = Array.from({ length: 30 }, () => uniqueSlug("iso-m"));
    created.push(...many);
    await Promise.all(many.map((slug) => createTenant({ slug, name: slug, ownerEmail: `owner@${slug}.test` })));

    const pool = getPool();
    expect(pool.options.max).toBe(POOL_MAX);
    const firstClient = tenantDb(many[0]!);

    // 30 tenants x 2 queries at once, through at most POOL_MAX connections.
    const results = await Promise.all([...many, ...many].map(async (slug) => ({ slug, emails: (await tenantDb(slug).user.findMany()).map((u) => u.email) })));
    for (const { slug, emails } of results) expect(emails).toEqual([`owner@${slug}.test`]);
    expect(pool.totalCount).toBeGreaterThan(1);
    expect(pool.totalCount).toBeLessThanOrEqual(POOL_MAX);

    // The LRU keeps at most CACHE_SIZE clients; an evicted client is replaced by a
    // new one, and disposing it left the shared pool working.
    expect(tenantClientCacheSize()).toBe(CACHE_SIZE);
    expect(tenantDb(many[0]!)).not.toBe(firstClient);
    expect(await firstClient.user.count()).toBe(1);
    expect(await tenantDb(many[29]!).user.count()).toBe(1);
    expect(pool.totalCount).toBeLessThanOrEqual(POOL_MAX);
    expect(pool.ended).toBe(false);
  });
});
