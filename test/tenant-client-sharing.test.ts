// Tenant clients share one Prisma engine (compiler, plan cache) and one adapter, while
// each keeps its own findUnique batching, on two clusters. These tests fire many tenants' queries in the
// same tick (where Prisma batches findUnique calls into one statement) and check that
// every answer comes from the asking tenant's schema, that batching really happens per
// tenant, and that the shared adapter refuses any statement without a tenant.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withAudit } from "@/lib/audit/with-audit";
import { closePool, getPool } from "@/lib/db/pool";
import { tenantRoutingAdapter, tenantScope } from "@/lib/db/tenant-adapter";
import { tenantDb } from "@/lib/db/tenant-client";
import { bindingOf } from "@/lib/db/tenant-engine";
import { qualifyForTenant, tenantSchemaPlaceholder } from "@/lib/db/tenant-sql";
import { resetEnvCache } from "@/lib/env";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { secondCluster } from "./support/clusters";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

// Fewer connections than tenants, so tenants take turns on the same connections.
process.env.DB_POOL_MAX = "4";
resetEnvCache();

const TENANTS = 12;
const slugs = Array.from({ length: TENANTS }, () => uniqueSlug("share"));
// The same primary keys and the same email in every tenant: only the schema tells them apart.
const sameIds = [randomUUID(), randomUUID(), randomUUID()];
const sameEmail = "same@share.test";
const nameOf = (slug: string, i: number) => `${slug}/${i}`;
const sentSql: string[] = [];

beforeAll(async () => {
  getPool().on("connect", (client: pg.PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const config = args[0];
      sentSql.push(typeof config === "string" ? config : String((config as { text?: string })?.text));
      return query(...args);
    };
  });
  for (const [i, slug] of slugs.entries()) {
    // Half of them (not the first two, whose SQL is captured on the default pool) on the second cluster.
    await createTenant({ slug, name: slug, cluster: i >= 2 && i % 2 === 1 ? secondCluster() : "default" });
    await withAudit(slug, { actorType: "system", actorLabel: "sharing test" }, async (tx) => {
      for (const [i, id] of sameIds.entries()) await tx.user.create({ data: { id, email: i === 0 ? sameEmail : `u${i}@share.test`, name: nameOf(slug, i) } });
    });
  }
}, 120_000);

afterAll(async () => {
  await dropTenantsQuietly(slugs);
  await closePool();
});

describe("same-tick queries of many tenants", () => {
  it("findUnique, findUniqueOrThrow, findFirst and count each answer from the asking tenant's schema", async () => {
    // All started synchronously, in one tick, interleaved across tenants.
    const asked: Promise<{ slug: string; kind: string; value: unknown }>[] = [];
    for (const round of [0, 1]) {
      for (const slug of slugs) {
        const db = tenantDb(slug);
        for (const [i, id] of sameIds.entries()) {
          asked.push(db.user.findUnique({ where: { id } }).then((u) => ({ slug, kind: `findUnique ${i} r${round}`, value: u?.name })));
        }
        asked.push(db.user.findUniqueOrThrow({ where: { email: sameEmail } }).then((u) => ({ slug, kind: "findUniqueOrThrow", value: u.name })));
        asked.push(db.user.findFirst({ where: { email: sameEmail } }).then((u) => ({ slug, kind: "findFirst", value: u?.name })));
        asked.push(db.user.count().then((n) => ({ slug, kind: "count", value: n })));
      }
    }
    const answers = await Promise.all(asked);
    expect(answers).toHaveLength(2 * TENANTS * (sameIds.length + 3));
    for (const { slug, kind, value } of answers) {
      if (kind === "count") expect(value, `${slug} ${kind}`).toBe(sameIds.length);
      else if (kind.startsWith("findUnique ")) expect(value, `${slug} ${kind}`).toBe(nameOf(slug, Number(kind.split(" ")[1])));
      else expect(value, `${slug} ${kind}`).toBe(nameOf(slug, 0));
    }
  });

  it("inside $transaction (array and interactive), each answer comes from its own schema", async () => {
    // 24 transactions wait for 4 connections: a long maxWait, so a slow machine does not fail the test.
    const wait = { maxWait: 60_000, timeout: 60_000 };
    const asked = slugs.flatMap((slug) => {
      const db = tenantDb(slug);
      return [
        db
          .$transaction([db.user.findUnique({ where: { id: sameIds[1]! } }), db.user.findUnique({ where: { id: sameIds[2]! } }), db.user.count()], wait)
          .then(([u1, u2, n]) => ({ slug, got: [u1?.name, u2?.name, n] })),
        db
          .$transaction(async (tx) => {
            const found = await Promise.all(sameIds.map((id) => tx.user.findUnique({ where: { id } })));
            const first = await tx.user.findFirst({ where: { email: sameEmail } });
            return [...found.map((u) => u?.name), first?.name, await tx.user.count()];
          }, wait)
          .then((got) => ({ slug, got })),
      ];
    });
    const answers = await Promise.all(asked);
    for (const { slug, got } of answers) {
      const expected =
        got.length === 3
          ? [nameOf(slug, 1), nameOf(slug, 2), sameIds.length]
          : [nameOf(slug, 0), nameOf(slug, 1), nameOf(slug, 2), nameOf(slug, 0), sameIds.length];
      expect(got, slug).toEqual(expected);
    }
  });

  it("are batched per tenant: one tenant's same-tick findUniques become one statement naming only its schema", async () => {
    const [a, b] = [slugs[0]!, slugs[1]!];
    sentSql.length = 0;
    const [fromA, fromB] = await Promise.all([
      Promise.all(sameIds.map((id) => tenantDb(a).user.findUnique({ where: { id } }))),
      Promise.all(sameIds.map((id) => tenantDb(b).user.findUnique({ where: { id } }))),
    ]);
    expect(fromA.map((u) => u?.name)).toEqual(sameIds.map((_, i) => nameOf(a, i)));
    expect(fromB.map((u) => u?.name)).toEqual(sameIds.map((_, i) => nameOf(b, i)));
    const selects = sentSql.filter((s) => /"users"/.test(s));
    // Prisma's batching is on (three lookups, one statement per tenant)...
    expect(selects).toHaveLength(2);
    // ...and a statement never names two schemas, nor the placeholder.
    const [schemaA, schemaB] = [schemaNameFor(a), schemaNameFor(b)];
    expect(selects.filter((s) => s.includes(`"${schemaA}".`) && !s.includes(`"${schemaB}".`))).toHaveLength(1);
    expect(selects.filter((s) => s.includes(`"${schemaB}".`) && !s.includes(`"${schemaA}".`))).toHaveLength(1);
    expect(sentSql.filter((s) => s.includes(tenantSchemaPlaceholder))).toEqual([]);
    expect(sentSql.filter((s) => /search_path/i.test(s))).toEqual([]);
  });
});

describe("the shared engine", () => {
  it("serves small per-tenant clients bound to their own schema", () => {
    expect(bindingOf(tenantDb(slugs[0]!))).toEqual({ slug: slugs[0], schema: schemaNameFor(slugs[0]!) });
    expect(bindingOf(tenantDb(slugs[1]!))?.schema).toBe(schemaNameFor(slugs[1]!));
  });

  it("refuses a statement made outside any tenant client", async () => {
    const adapter = await tenantRoutingAdapter.connect();
    const query = { sql: `SELECT count(*) FROM "${tenantSchemaPlaceholder}"."users"`, args: [], argTypes: [] };
    await expect(adapter.queryRaw(query)).rejects.toThrow(/outside a tenant client/);
    await expect(adapter.executeRaw(query)).rejects.toThrow(/outside a tenant client/);
    await expect(adapter.startTransaction()).rejects.toThrow(/outside a tenant client/);
  });

  it("keeps a transaction on the tenant it began with", async () => {
    const [a, b] = [slugs[0]!, slugs[1]!];
    const adapter = await tenantRoutingAdapter.connect();
    const bindingA = { slug: a, schema: schemaNameFor(a) };
    const tx = await tenantScope.run(bindingA, () => adapter.startTransaction());
    try {
      const query = {
        sql: `SELECT name FROM "${tenantSchemaPlaceholder}"."users" WHERE id = $1::uuid`,
        args: [sameIds[0]],
        argTypes: [{ scalarType: "string" as const, arity: "scalar" as const }],
      };
      const rows = await tenantScope.run(bindingA, () => tx.queryRaw(query));
      expect(rows.rows).toEqual([[nameOf(a, 0)]]);
      await expect(tenantScope.run({ slug: b, schema: schemaNameFor(b) }, () => tx.queryRaw(query))).rejects.toThrow(/refused/);
    } finally {
      await tx.rollback();
    }
  });
});

describe("qualifyForTenant", () => {
  it("replaces the placeholder with the quoted schema, validates it, and leaves other SQL alone", () => {
    const sql = `SELECT 1 FROM "${tenantSchemaPlaceholder}"."users" JOIN "${tenantSchemaPlaceholder}"."sessions" ON true`;
    expect(qualifyForTenant(sql, "tenant_acme")).toBe(`SELECT 1 FROM "tenant_acme"."users" JOIN "tenant_acme"."sessions" ON true`);
    expect(() => qualifyForTenant(sql, 'tenant_x"; DROP SCHEMA public; --')).toThrow(/unsafe SQL identifier/);
    expect(qualifyForTenant(`SELECT 1 FROM "tenant_b"."users"`, "tenant_acme")).toBe(`SELECT 1 FROM "tenant_b"."users"`);
    expect(tenantSchemaPlaceholder).toMatch(/^prisma_tenant_[0-9a-f]{32}$/);
  });
});
