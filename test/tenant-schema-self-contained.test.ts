// Every tenant schema is self-contained, so that any cluster in the registry may be a
// Citus coordinator with schema-based sharding (each tenant schema a distributed unit on
// one worker), or any other server: no foreign key, trigger, function, default, view or
// type in a tenant schema depends on an object in another schema (built-ins of
// pg_catalog aside), no tenant migration names another schema, and no SQL in the
// application joins a tenant schema with the platform or with another tenant.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrations } from "@/lib/db/migrations/files";
import { closePool } from "@/lib/db/pool";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { repoRoot } from "./support/cli";
import { rawClusterClient, secondCluster } from "./support/clusters";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("selfc");
const schema = schemaNameFor(slug);
let client: pg.Client;

beforeAll(async () => {
  // On the second cluster: what a tenant cluster holds is exactly what the migrations made.
  await createTenant({ slug, name: slug, ownerEmail: "owner@selfc.test", cluster: secondCluster() });
  client = await rawClusterClient(secondCluster());
}, 60_000);

afterAll(async () => {
  await client?.end();
  await dropTenantsQuietly([slug]);
  await closePool();
});

describe("a tenant schema built by the migrations", () => {
  it("depends on nothing outside itself but pg_catalog built-ins", async () => {
    // Every dependency of every object in the schema (tables, columns, constraints and
    // their foreign keys, indexes, sequences, defaults, triggers, functions, types, views).
    const { rows } = await client.query<{ object: string; referenced: string; schema: string | null; type: string }>(
      `WITH mine AS (
         SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid, d.refobjsubid
           FROM pg_depend d
          WHERE d.deptype IN ('n', 'a')
       )
       SELECT (pg_identify_object(m.classid, m.objid, m.objsubid)).identity AS object,
              r.identity AS referenced, r.schema, r.type
         FROM mine m
         CROSS JOIN LATERAL pg_identify_object(m.refclassid, m.refobjid, m.refobjsubid) r
        WHERE (pg_identify_object(m.classid, m.objid, m.objsubid)).schema = $1
          AND r.type NOT IN ('schema', 'language')
          AND r.schema IS DISTINCT FROM $1
          AND r.schema IS DISTINCT FROM 'pg_catalog'`,
      [schema],
    );
    expect(rows).toEqual([]);
    // The check sees real dependencies: the schema's own foreign keys and trigger functions are there.
    const { rows: own } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_depend d
        WHERE (pg_identify_object(d.classid, d.objid, d.objsubid)).schema = $1
          AND (pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid)).schema = $1
          AND d.classid IN ('pg_constraint'::regclass, 'pg_trigger'::regclass)`,
      [schema],
    );
    expect(own[0]!.n).toBeGreaterThan(10);
  });

  it("has foreign keys and triggers only between its own tables, run by its own functions", async () => {
    const fks = await client.query(
      `SELECT c.conname, c.confrelid::regclass::text AS target FROM pg_constraint c
        WHERE c.contype = 'f' AND c.connamespace = $1::regnamespace AND c.confrelid::regclass::text NOT LIKE $2`,
      [schema, `${schema}.%`],
    );
    expect(fks.rows).toEqual([]);
    const triggers = await client.query(
      `SELECT t.tgname, p.pronamespace::regnamespace::text AS function_schema
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
        WHERE c.relnamespace = $1::regnamespace AND NOT t.tgisinternal AND p.pronamespace <> $1::regnamespace`,
      [schema],
    );
    expect(triggers.rows).toEqual([]);
    // Functions resolve names in their own schema only: a body kept as text (plpgsql) that
    // names a relation runs with search_path set to the schema; a SQL-standard body
    // (RETURN ...) was resolved when it was created, and its dependencies are in
    // pg_depend (checked above).
    const fns = await client.query<{ proname: string; config: string[] | null; standard: boolean; src: string }>(
      `SELECT proname, proconfig AS config, prosqlbody IS NOT NULL AS standard, prosrc AS src FROM pg_proc WHERE pronamespace = $1::regnamespace`,
      [schema],
    );
    const relations = (await client.query<{ relname: string }>("SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace", [schema])).rows.map(
      (r) => r.relname,
    );
    expect(fns.rows.length).toBeGreaterThan(5);
    let pinned = 0;
    for (const f of fns.rows) {
      const searchPath = (f.config ?? []).find((c) => c.startsWith("search_path="));
      if (searchPath) pinned++;
      if (f.standard || searchPath) {
        if (searchPath) expect(searchPath, f.proname).toBe(`search_path=${schema}`);
        continue;
      }
      const code = f.src.replace(/--[^\n]*/g, "");
      const named = relations.filter((r) => new RegExp(`\\b${r}\\b`).test(code));
      expect(named, `${f.proname} names relations without a search_path of its own`).toEqual([]);
    }
    expect(pinned).toBeGreaterThan(5);
  });
});

describe("the tenant migrations", () => {
  it("name no schema: they run with search_path set to the tenant's schema", () => {
    const offending: string[] = [];
    for (const m of loadMigrations("tenant")) {
      const sql = m.sql.replace(/--[^\n]*/g, "");
      for (const pattern of [/\bpublic\s*\./i, /"public"\s*\./i, /\btenant_[a-z0-9_]+\s*\./i, /SET\s+search_path\s+(TO|=)/i, /\bdblink\b|\bpostgres_fdw\b/i]) {
        if (pattern.test(sql)) offending.push(`${m.name}: ${pattern}`);
      }
    }
    expect(offending).toEqual([]);
  });
});

describe("the application's SQL", () => {
  function sourceFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      if (name === "generated" || name === "node_modules") return [];
      if (statSync(full).isDirectory()) return sourceFiles(full);
      return /\.(ts|tsx)$/.test(name) ? [full] : [];
    });
  }

  it("never joins a tenant schema with the platform's, or two tenant schemas, in one statement", () => {
    const offending: string[] = [];
    for (const dir of ["lib", "app", "inngest"]) {
      for (const file of sourceFiles(path.join(repoRoot, dir))) {
        const text = readFileSync(file, "utf8");
        // Each template literal that reads like SQL.
        for (const [literal] of text.matchAll(/`[^`]*`/g)) {
          if (!/\b(SELECT|INSERT|UPDATE|DELETE)\b/.test(literal)) continue;
          const tenantSchemas = new Set([...literal.matchAll(/schemaNameFor\(([^)]*)\)/g)].map((m) => m[1]));
          const tenantTables = /\$\{(quoteIdent\(schemaNameFor|s\}|schema\}|t\.|log\}|users\}|relation\}|table\}|fn\})/.test(literal);
          if (tenantSchemas.size > 1) offending.push(`${path.relative(repoRoot, file)}: two tenant schemas in ${literal.slice(0, 80)}`);
          if ((tenantSchemas.size > 0 || tenantTables) && /\bpublic\./.test(literal)) {
            offending.push(`${path.relative(repoRoot, file)}: platform and tenant tables in ${literal.slice(0, 80)}`);
          }
        }
      }
    }
    expect(offending).toEqual([]);
  });
});
