// Slugs are the only source of schema names, so they are validated before any SQL is
// built; quoteIdent refuses (rather than escapes) anything else.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quoteIdent } from "@/lib/db/identifier";
import { closePool, getPool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { isValidSlug, reservedSlugs, schemaNameFor, slugSchema } from "@/lib/tenancy/slug";
import { rawClient } from "./support/tenants";

const forty = `a${"b1-c".repeat(7)}${"x".repeat(11)}`;
const accepted = ["ab", "acme", "acme-corp", "a1", "x-1-2", "tenant-42", forty];

const refused: [string, string][] = [
  ["", "empty"],
  ["a", "one character"],
  [`${forty}z`, "41 characters"],
  ["Acme", "upper case"],
  ["1acme", "starts with a digit"],
  ["-acme", "starts with a hyphen"],
  ["acme_corp", "underscore"],
  ["acme-", "ends with a hyphen"],
  ["acme corp", "space"],
  ["acme.corp", "dot"],
  [" acme", "leading space"],
  ["acme\n", "trailing newline"],
  ['acme"; drop schema x; --', "SQL injection"],
  ["acmé", "unicode letter"],
  ["аcme", "Cyrillic look-alike"],
  ["ac\u0000me", "NUL byte"],
  ["www", "reserved"],
  ["admin", "reserved"],
];

describe("slug validation", () => {
  it("has the expected fixtures", () => {
    expect(forty).toHaveLength(40);
  });

  it.each(accepted)("accepts %j", (slug) => {
    expect(isValidSlug(slug)).toBe(true);
    expect(slugSchema.parse(slug)).toBe(slug);
  });

  it.each(refused)("refuses %j (%s)", (slug) => {
    expect(isValidSlug(slug)).toBe(false);
    expect(() => schemaNameFor(slug)).toThrow();
  });

  it("refuses every reserved slug although each is well formed", () => {
    expect(reservedSlugs.size).toBeGreaterThan(0);
    for (const slug of reservedSlugs) {
      expect(/^[a-z][a-z0-9-]{1,39}$/.test(slug)).toBe(true);
      const result = slugSchema.safeParse(slug);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toBe("is reserved by the platform");
    }
  });

  it("explains what is wrong", () => {
    expect(slugSchema.safeParse("Acme").error?.issues[0]?.message).toMatch(/lower-case letters, digits and hyphens/);
    expect(slugSchema.safeParse("acme-").error?.issues[0]?.message).toBe("must not end with a hyphen");
  });
});

describe("schemaNameFor", () => {
  it("maps slugs to tenant_ schema names", () => {
    expect(schemaNameFor("acme")).toBe("tenant_acme");
    expect(schemaNameFor("acme-corp")).toBe("tenant_acme_corp");
    expect(schemaNameFor("a-b-c-1")).toBe("tenant_a_b_c_1");
    expect(schemaNameFor(forty)).toBe(`tenant_${forty.replaceAll("-", "_")}`);
  });

  it("gives names quoteIdent accepts and PostgreSQL does not truncate", () => {
    for (const slug of accepted) {
      const schema = schemaNameFor(slug);
      expect(quoteIdent(schema)).toBe(`"${schema}"`);
      expect(schema.length).toBeLessThanOrEqual(63);
    }
  });

  it("is one-to-one: distinct slugs give distinct schemas", () => {
    const slugs = ["ab-c", "abc", "a-bc", "a-b-c", "ab-cd", "abc-d"];
    expect(new Set(slugs.map(schemaNameFor)).size).toBe(slugs.length);
  });
});

describe("quoteIdent", () => {
  it.each(["public", "tenant_acme", "tenant_acme_corp", "_x", "a1", "a".repeat(63)])("quotes %j", (name) => {
    expect(quoteIdent(name)).toBe(`"${name}"`);
  });

  it.each(["", "Public", "tenant-acme", "1tenant", 'tenant"; drop schema public; --', 'a"b', "a b", "a.b", "tenant_acmé", "a\n", "a".repeat(64)])(
    "refuses %j",
    (name) => {
      expect(() => quoteIdent(name)).toThrow(/Refusing unsafe SQL identifier/);
    },
  );
});

describe("createTenant with a bad slug", () => {
  let raw: pg.Client;
  let before: { tenants: number; schemas: string[] };

  const snapshot = async () => {
    const tenants = await raw.query<{ n: number }>("SELECT count(*)::int AS n FROM public.tenants");
    const schemas = await raw.query<{ schema_name: string }>("SELECT schema_name FROM information_schema.schemata ORDER BY schema_name");
    return { tenants: tenants.rows[0]!.n, schemas: schemas.rows.map((r) => r.schema_name) };
  };

  beforeAll(async () => {
    raw = await rawClient();
  });

  afterAll(async () => {
    await raw.end();
    await closePool();
  });

  it.each(['acme"; drop schema x; --', "x; DROP SCHEMA public CASCADE", "Tenant", "acme_corp", "www", ""])(
    "refuses %j with AppError bad_request before any SQL runs",
    async (slug) => {
      before = await snapshot();
      const pool = getPool();
      const connectionsBefore = pool.totalCount;
      const err = await createTenant({ slug, name: "Injected" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("bad_request");
      expect((err as AppError).message).toMatch(/^Invalid tenant: slug: /);
      expect((err as AppError).fieldErrors.map((f) => f.path)).toEqual(["slug"]);
      // No connection was even taken from the pool, and nothing changed.
      expect(pool.totalCount).toBe(connectionsBefore);
      expect(await snapshot()).toEqual(before);
    },
  );
});
