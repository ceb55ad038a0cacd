// The tenant lifecycle against real PostgreSQL and Redis: create (atomic, with
// rollback), status changes, domains, drop, the Redis mirror, and the operator CLI.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checksumOf, loadMigrations, type MigrationFile } from "@/lib/db/migrations/files";
import { closePool } from "@/lib/db/pool";
import { edgeEnv } from "@/lib/env";
import { AppError, type ErrorCode } from "@/lib/errors/app-error";
import { getRedis } from "@/lib/redis/client";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { addDomain, removeDomain } from "@/lib/tenancy/domains";
import { dropTenant } from "@/lib/tenancy/drop-tenant";
import { findTenantByHostname, findTenantBySlug } from "@/lib/tenancy/find-tenant";
import { rebuildMirror, rebuildMirrorIfMissing } from "@/lib/tenancy/mirror";
import { mirrorKeys } from "@/lib/tenancy/mirror-keys";
import { setTenantStatus } from "@/lib/tenancy/set-tenant-status";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { runScript } from "./support/cli";
import { dropTenantsQuietly, ledgerOf, rawClient, schemaExists, tableNames, tenantRowCount, uniqueSlug, expectedTenantTables } from "./support/tenants";

const tenantMigrations = loadMigrations("tenant");
const created = new Set<string>();
let raw: pg.Client;

function redis() {
  const client = getRedis();
  if (!client) throw new Error("Redis is not configured: run the tests with `npm test -- unit`");
  return client;
}

const mirrored = (key: string) => redis().get<string>(key);
const hostname = (label = "shop") => `${label}-${randomBytes(4).toString("hex")}.example.test`;

async function newTenant(input: { ownerEmail?: string; name?: string } = {}) {
  const slug = uniqueSlug("lc");
  created.add(slug);
  return createTenant({ slug, name: input.name ?? `Tenant ${slug}`, ownerEmail: input.ownerEmail });
}

/** Runs fn and returns the AppError it rejects with; fails on anything else. */
async function appErrorOf(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

/** Everything a tenant leaves in PostgreSQL and Redis. */
async function traces(slug: string) {
  const schema = schemaNameFor(slug);
  return {
    row: await tenantRowCount(raw, slug),
    schema: await schemaExists(raw, schema),
    ledger: (await ledgerOf(raw, schema)).size,
    mirror: await mirrored(mirrorKeys.tenant(slug)),
  };
}
const noTraces = { row: 0, schema: false, ledger: 0, mirror: null };

async function domainRows(hostnames: string[]): Promise<number> {
  const { rows } = await raw.query<{ n: number }>("SELECT count(*)::int AS n FROM public.domains WHERE hostname = ANY($1)", [hostnames]);
  return rows[0]!.n;
}

beforeAll(async () => {
  raw = await rawClient();
  expect(await redis().ping()).toBe("PONG");
});

afterAll(async () => {
  await dropTenantsQuietly(created);
  await raw?.end();
  await closePool();
});

describe("createTenant", () => {
  it("builds the schema at the latest tenant migration, with ledger rows, row and mirror", async () => {
    const tenant = await newTenant({ name: "  Acme Test  " });
    expect(tenant).toMatchObject({ name: "Acme Test", status: "active", schemaName: schemaNameFor(tenant.slug) });

    expect(await tableNames(raw, tenant.schemaName)).toEqual(expectedTenantTables());
    expect(tenantMigrations.length).toBeGreaterThan(0);
    expect(await ledgerOf(raw, tenant.schemaName)).toEqual(new Map(tenantMigrations.map((m) => [m.name, m.checksum])));

    const { rows } = await raw.query("SELECT id, name, status, schema_name, settings FROM public.tenants WHERE slug = $1", [tenant.slug]);
    expect(rows).toEqual([{ id: tenant.id, name: "Acme Test", status: "active", schema_name: tenant.schemaName, settings: defaultTenantSettings() }]);
    expect(await mirrored(mirrorKeys.tenant(tenant.slug))).toBe("active");
    const users = await raw.query(`SELECT 1 FROM "${tenant.schemaName}".users`);
    expect(users.rowCount).toBe(0);
  });

  it("creates the owner user, with the email lower-cased", async () => {
    const tenant = await newTenant({ ownerEmail: "Owner@Example.TEST" });
    const { rows } = await raw.query(`SELECT email, name FROM "${tenant.schemaName}".users`);
    expect(rows).toEqual([{ email: "owner@example.test", name: "Owner" }]);
  });

  it("refuses bad input with bad_request before touching anything", async () => {
    const slug = uniqueSlug("lc");
    const err = await appErrorOf(createTenant({ slug, name: "X", ownerEmail: "not-an-email" }), "bad_request");
    expect(err.message).toMatch(/ownerEmail/);
    await appErrorOf(createTenant({ slug, name: "   " }), "bad_request");
    expect(await traces(slug)).toEqual(noTraces);
  });

  it("refuses a duplicate slug with conflict and changes nothing", async () => {
    const tenant = await newTenant({ ownerEmail: "first@example.test", name: "First" });
    const before = {
      traces: await traces(tenant.slug),
      row: (await raw.query("SELECT * FROM public.tenants WHERE slug = $1", [tenant.slug])).rows,
      users: (await raw.query(`SELECT * FROM "${tenant.schemaName}".users`)).rows,
    };

    const err = await appErrorOf(createTenant({ slug: tenant.slug, name: "Second", ownerEmail: "second@example.test" }), "conflict");
    expect(err.message).toBe(`A tenant with the slug "${tenant.slug}" already exists.`);

    expect({
      traces: await traces(tenant.slug),
      row: (await raw.query("SELECT * FROM public.tenants WHERE slug = $1", [tenant.slug])).rows,
      users: (await raw.query(`SELECT * FROM "${tenant.schemaName}".users`)).rows,
    }).toEqual(before);
  });

  it("rolls everything back when the transaction fails after the schema was built", async () => {
    const slug = uniqueSlug("lc");
    const schema = schemaNameFor(slug);
    let seenInsideTransaction: unknown;
    const err = await createTenant(
      { slug, name: "Doomed", ownerEmail: "owner@doomed.test" },
      {
        beforeCommit: async (client) => {
          seenInsideTransaction = {
            schema: await schemaExists(client, schema),
            tables: await tableNames(client, schema),
            row: await tenantRowCount(client, slug),
            ledger: (await ledgerOf(client, schema)).size,
            users: (await client.query(`SELECT email FROM "${schema}".users`)).rows,
          };
          throw new Error("boom before commit");
        },
      },
    ).catch((e: unknown) => e);

    expect((err as Error).message).toBe("boom before commit");
    // The hook really ran after the schema, row, ledger and owner were written...
    expect(seenInsideTransaction).toEqual({
      schema: true,
      tables: expectedTenantTables(),
      row: 1,
      ledger: tenantMigrations.length,
      users: [{ email: "owner@doomed.test" }],
    });
    // ...and none of it survived.
    expect(await traces(slug)).toEqual(noTraces);

    // Nothing was left behind that would block the same slug.
    created.add(slug);
    await createTenant({ slug, name: "Second try" });
    expect(await traces(slug)).toEqual({ row: 1, schema: true, ledger: tenantMigrations.length, mirror: "active" });
  });

  it("rolls everything back when a tenant migration fails", async () => {
    const slug = uniqueSlug("lc");
    const broken: MigrationFile[] = [
      ...tenantMigrations,
      { name: "29991231000000_broken", sql: "ALTER TABLE no_such_table ADD COLUMN x int;", checksum: checksumOf("broken") },
    ];
    await expect(createTenant({ slug, name: "Broken", ownerEmail: "o@broken.test" }, { tenantMigrations: broken })).rejects.toThrow(
      /relation "no_such_table" does not exist/,
    );
    expect(await traces(slug)).toEqual(noTraces);
    const { rows } = await raw.query("SELECT count(*)::int AS n FROM public.schema_migrations WHERE name = '29991231000000_broken'");
    expect(rows[0].n).toBe(0);
  });

  it("refuses with conflict when the schema already exists without a tenant row", async () => {
    const slug = uniqueSlug("lc");
    const schema = schemaNameFor(slug);
    await raw.query(`CREATE SCHEMA "${schema}"`);
    try {
      const err = await appErrorOf(createTenant({ slug, name: "Orphan" }), "conflict");
      expect(err.message).toContain(schema);
      expect(await tenantRowCount(raw, slug)).toBe(0);
      expect(await tableNames(raw, schema)).toEqual([]);
    } finally {
      await raw.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });
});

describe("setTenantStatus", () => {
  it("suspends, resumes and archives, in PostgreSQL and in the mirror", async () => {
    const tenant = await newTenant();
    const statusInDb = async () => (await raw.query("SELECT status FROM public.tenants WHERE slug = $1", [tenant.slug])).rows[0]?.status;

    for (const status of ["suspended", "active", "archived", "active"] as const) {
      const updated = await setTenantStatus(tenant.slug, status);
      // The tenant record, without createTenant's report of where it was placed.
      const { cluster, ...record } = tenant;
      expect(cluster).toBe("default");
      expect(updated).toEqual({ ...record, status });
      expect(await statusInDb()).toBe(status);
      expect(await mirrored(mirrorKeys.tenant(tenant.slug))).toBe(status);
      expect((await findTenantBySlug(tenant.slug))?.status).toBe(status);
    }
  });

  it("answers not_found for an unknown tenant and writes no mirror key", async () => {
    const slug = uniqueSlug("lc");
    await appErrorOf(setTenantStatus(slug, "suspended"), "not_found");
    expect(await mirrored(mirrorKeys.tenant(slug))).toBeNull();
  });
});

describe("domains", () => {
  let slug: string;
  let other: string;
  beforeAll(async () => {
    slug = (await newTenant()).slug;
    other = (await newTenant()).slug;
  });

  it("adds a verified domain: normalised, mirrored and found by hostname", async () => {
    const host = hostname();
    const domain = await addDomain(slug, `  ${host.toUpperCase()} `);
    expect(domain).toMatchObject({ hostname: host, verified: true, primary: false });
    expect(await domainRows([host])).toBe(1);
    expect(await mirrored(mirrorKeys.domain(host))).toBe(slug);
    expect((await findTenantByHostname(host))?.slug).toBe(slug);
    expect(await findTenantByHostname(hostname("unknown"))).toBeNull();
  });

  it("does not route an unverified domain", async () => {
    const host = hostname();
    const domain = await addDomain(slug, host, { verified: false });
    expect(domain.verified).toBe(false);
    expect(await mirrored(mirrorKeys.domain(host))).toBeNull();
    expect(await findTenantByHostname(host)).toBeNull();
  });

  it("keeps one primary domain per tenant", async () => {
    const first = hostname("primary");
    const second = hostname("primary");
    await addDomain(slug, first, { primary: true });
    await addDomain(slug, second, { primary: true });
    const { rows } = await raw.query('SELECT hostname FROM public.domains WHERE hostname = ANY($1) AND "primary"', [[first, second]]);
    expect(rows).toEqual([{ hostname: second }]);
  });

  it.each([
    ["not a hostname"],
    ["localhost"],
    ["-bad.example.com"],
    ["bad-.example.com"],
    ["a..b.example.com"],
    ["shop.example.123"],
    ["shop_1.example.com"],
    ["https://shop.example.com"],
    ["shop.example.com/path"],
    [`${"a".repeat(64)}.example.com`],
  ])("refuses the hostname %j with bad_request", async (host) => {
    const err = await appErrorOf(addDomain(slug, host), "bad_request");
    expect(err.message).toMatch(/^Invalid hostname: /);
  });

  it("refuses hostnames under APP_ROOT_DOMAIN", async () => {
    const root = edgeEnv().APP_ROOT_DOMAIN;
    for (const host of [`${other}.${root}`, `www.${root}`, `a.b.${root}`]) {
      const err = await appErrorOf(addDomain(slug, host), "bad_request");
      expect(err.message).toContain(`under the platform's root domain ${root}`);
      expect(await domainRows([host])).toBe(0);
    }
  });

  it("refuses a hostname already in use, for any tenant", async () => {
    const host = hostname();
    await addDomain(slug, host);
    for (const owner of [slug, other]) {
      const err = await appErrorOf(addDomain(owner, host), "conflict");
      expect(err.message).toContain(host);
    }
    expect(await mirrored(mirrorKeys.domain(host))).toBe(slug);
    expect((await findTenantByHostname(host))?.slug).toBe(slug);
  });

  it("refuses unknown and invalid tenants", async () => {
    await appErrorOf(addDomain(uniqueSlug("lc"), hostname()), "not_found");
    await appErrorOf(addDomain("Not A Slug", hostname()), "bad_request");
  });

  it("removes a domain: row, mirror key and lookup", async () => {
    const host = hostname();
    await addDomain(slug, host);
    expect((await findTenantByHostname(host))?.slug).toBe(slug);

    // Only the owning tenant can remove it.
    await appErrorOf(removeDomain(other, host), "not_found");
    expect(await domainRows([host])).toBe(1);

    await removeDomain(slug, host.toUpperCase());
    expect(await domainRows([host])).toBe(0);
    expect(await mirrored(mirrorKeys.domain(host))).toBeNull();
    expect(await findTenantByHostname(host)).toBeNull();
    await appErrorOf(removeDomain(slug, host), "not_found");
    await appErrorOf(removeDomain(slug, "not a hostname"), "bad_request");
  });
});

describe("dropTenant", () => {
  it("requires the slug as confirmation", async () => {
    const tenant = await newTenant();
    for (const confirm of ["", "yes", tenant.slug.toUpperCase(), `${tenant.slug} `]) {
      const err = await appErrorOf(dropTenant(tenant.slug, confirm), "bad_request");
      expect(err.message).toContain(`--confirm ${tenant.slug}`);
    }
    expect(await traces(tenant.slug)).toEqual({ row: 1, schema: true, ledger: tenantMigrations.length, mirror: "active" });
  });

  it("removes the schema, row, domains, ledger rows and mirror keys", async () => {
    const tenant = await newTenant({ ownerEmail: "owner@drop.test" });
    const verified = hostname("drop");
    const unverified = hostname("drop");
    await addDomain(tenant.slug, verified);
    await addDomain(tenant.slug, unverified, { verified: false });
    const bystander = await newTenant();
    const bystanderBefore = await traces(bystander.slug);

    const result = await dropTenant(tenant.slug, tenant.slug);
    expect(result.domains.sort()).toEqual([verified, unverified].sort());
    expect(await traces(tenant.slug)).toEqual(noTraces);
    expect(await domainRows([verified, unverified])).toBe(0);
    expect(await mirrored(mirrorKeys.domain(verified))).toBeNull();
    expect(await findTenantBySlug(tenant.slug)).toBeNull();
    expect(await findTenantByHostname(verified)).toBeNull();
    expect(await traces(bystander.slug)).toEqual(bystanderBefore);

    await appErrorOf(dropTenant(tenant.slug, tenant.slug), "not_found");
  });
});

describe("rebuildMirror", () => {
  it("restores deleted keys, corrects wrong ones and removes stale ones", async () => {
    const tenant = await newTenant();
    await setTenantStatus(tenant.slug, "suspended");
    const host = hostname("mirror");
    await addDomain(tenant.slug, host);
    const staleTenantKey = mirrorKeys.tenant(uniqueSlug("gone"));
    const staleDomainKey = mirrorKeys.domain(hostname("gone"));

    await redis().del(mirrorKeys.domain(host));
    await redis().set(mirrorKeys.tenant(tenant.slug), "active"); // wrong
    await redis().set(staleTenantKey, "active");
    await redis().set(staleDomainKey, tenant.slug);
    const readyBefore = Date.parse((await mirrored(mirrorKeys.ready)) ?? "1970-01-01T00:00:00Z");

    const result = await rebuildMirror();
    expect(result.ok).toBe(true);
    expect(result.removed).toBeGreaterThanOrEqual(2);
    expect(result.tenants).toBeGreaterThanOrEqual(1);
    expect(result.domains).toBeGreaterThanOrEqual(1);

    expect(await mirrored(mirrorKeys.tenant(tenant.slug))).toBe("suspended");
    expect(await mirrored(mirrorKeys.domain(host))).toBe(tenant.slug);
    expect(await mirrored(staleTenantKey)).toBeNull();
    expect(await mirrored(staleDomainKey)).toBeNull();
    // The rebuild marks the mirror complete, with its finishing time.
    expect(Date.parse((await mirrored(mirrorKeys.ready)) ?? "")).toBeGreaterThan(readyBefore);
  });

  it("at server start, builds the mirror only when Redis has none", async () => {
    const tenant = await newTenant();
    await redis().del(mirrorKeys.tenant(tenant.slug));
    // A mirror exists (ready marker set): left alone, so the deleted key stays missing.
    expect(await rebuildMirrorIfMissing()).toEqual({ ok: true });
    expect(await mirrored(mirrorKeys.tenant(tenant.slug))).toBeNull();
    // No marker (fresh or flushed Redis): built from PostgreSQL.
    await redis().del(mirrorKeys.ready);
    expect((await rebuildMirrorIfMissing()).ok).toBe(true);
    expect(await mirrored(mirrorKeys.tenant(tenant.slug))).toBe("active");
    expect(await mirrored(mirrorKeys.ready)).not.toBeNull();
  });
});

describe("the tenants CLI", { timeout: 120_000 }, () => {
  const cli = (...args: string[]) => runScript("scripts/tenants.ts", args);
  const usageLine = "usage: npm run tenants -- <command>";

  it("exits 2 with the usage text for bad arguments, and changes nothing", async () => {
    const kept = await newTenant();
    const badSlug = "Bad_Slug";
    const [none, unknown, invalidSlug, noConfirm, badSuspend, badDrop] = await Promise.all([
      cli(),
      cli("frobnicate"),
      cli("create", badSlug, "--name", "Bad"),
      cli("drop", kept.slug),
      cli("suspend", badSlug),
      cli("drop", badSlug, "--confirm", badSlug),
    ]);
    for (const bad of [badSuspend, badDrop]) {
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^error: Invalid slug: /);
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    }
    expect(none).toMatchObject({ code: 2, stdout: "" });
    expect(none.stderr).toContain("missing command");
    expect(none.stderr).toContain(usageLine);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command: frobnicate");
    expect(unknown.stderr).toContain(usageLine);
    expect(invalidSlug.code).toBe(2);
    expect(invalidSlug.stderr).toMatch(/^error: Invalid tenant: slug: must be 2-40 characters/);
    expect(invalidSlug.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(noConfirm.code).toBe(2);
    expect(noConfirm.stderr).toContain("--confirm <slug> is required");
    expect(noConfirm.stderr).toContain(usageLine);

    expect(await tenantRowCount(raw, badSlug.toLowerCase())).toBe(0);
    expect(await traces(kept.slug)).toEqual({ row: 1, schema: true, ledger: tenantMigrations.length, mirror: "active" });
  });

  it("runs a full create / domain / list / status / drop cycle", async () => {
    const slug = uniqueSlug("cli");
    const schema = schemaNameFor(slug);
    const host = hostname("cli");
    created.add(slug);
    const ok = async (args: string[], stdout: RegExp) => {
      const result = await cli(...args);
      expect(result, args.join(" ")).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toMatch(stdout);
      return result.stdout;
    };
    const status = async () => (await raw.query("SELECT status FROM public.tenants WHERE slug = $1", [slug])).rows[0]?.status;

    await ok(
      ["create", slug, "--name", "CLI Tenant", "--owner-email", "Owner@CLI.test"],
      new RegExp(
        `^created tenant ${slug} \\(CLI Tenant\\) in schema ${schema} on cluster default in \\d+ ms\\nowner invitation \\(valid 7 days\\): http://${slug}\\.localhost/invite/[A-Za-z0-9_-]{43}\\n$`,
      ),
    );
    expect((await raw.query(`SELECT email FROM "${schema}".users`)).rows).toEqual([{ email: "owner@cli.test" }]);
    expect(await mirrored(mirrorKeys.tenant(slug))).toBe("active");

    await ok(["domain", "add", slug, host, "--primary"], new RegExp(`^added ${host} to ${slug}\\n$`));
    expect(await mirrored(mirrorKeys.domain(host))).toBe(slug);

    const listed = await ok(["list"], new RegExp(`^${slug}\\s+active\\s+default\\s+CLI Tenant  \\[${host.replaceAll(".", "\\.")} \\*\\]$`, "m"));
    expect(listed).not.toMatch(/^no tenants$/m);

    await ok(["suspend", slug], new RegExp(`^tenant ${slug} is now suspended\\n$`));
    expect(await status()).toBe("suspended");
    expect(await mirrored(mirrorKeys.tenant(slug))).toBe("suspended");
    await ok(["resume", slug], new RegExp(`^tenant ${slug} is now active\\n$`));
    expect(await status()).toBe("active");
    expect(await mirrored(mirrorKeys.tenant(slug))).toBe("active");
    await ok(["archive", slug], new RegExp(`^tenant ${slug} is now archived\\n$`));
    expect(await status()).toBe("archived");
    expect(await mirrored(mirrorKeys.tenant(slug))).toBe("archived");

    await ok(["domain", "remove", slug, host], new RegExp(`^removed ${host} from ${slug}\\n$`));
    expect(await domainRows([host])).toBe(0);
    expect(await mirrored(mirrorKeys.domain(host))).toBeNull();

    await ok(["drop", slug, "--confirm", slug], new RegExp(`^dropped tenant ${slug}\\n$`));
    expect(await traces(slug)).toEqual(noTraces);
  });
});
