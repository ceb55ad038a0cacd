// Tenants on two real PostgreSQL clusters (the test stack's `default` and its second
// one): placement, routing of the Prisma client and of the raw SQL paths to the tenant's
// cluster and no other, creation and drop across two databases, the placement policy,
// the start-up rule for unconfigured clusters, and the tenants CLI.
import { randomUUID, createHash } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { sealNow } from "@/lib/audit/seal-chain";
import { verifyChain } from "@/lib/audit/verify-chain";
import { recordEvent, withAudit } from "@/lib/audit/with-audit";
import { checkTenantClusters } from "@/lib/db/cluster-registry";
import { clusterNames, clusterPool } from "@/lib/db/clusters";
import { closePool, getPool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { forgetAllTenantPlacements, forgetTenantPlacement, peekTenantCluster, tenantCluster, tenantPool } from "@/lib/db/tenant-pool";
import { invalidationsLive, publishInvalidation, registerInvalidationTarget } from "@/lib/cache/invalidation-bus";
import { EnvError, resetEnvCache, serverEnv } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { createIntegration } from "@/lib/integrations/integrations";
import { storeInboxEvent } from "@/lib/integrations/inbox/store-event";
import { listMembers } from "@/lib/members/members";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { dropTenant } from "@/lib/tenancy/drop-tenant";
import { chooseCluster } from "@/lib/tenancy/placement";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { runScript } from "./support/cli";
import { clusterUrls, rawClusterClient, secondCluster } from "./support/clusters";
import { dropTenantsQuietly, ledgerOf, schemaExists, tenantRowCount, uniqueSlug } from "./support/tenants";

const second = secondCluster();
const ctx = systemContext("clusters test");
const created = new Set<string>();
let onDefault: pg.Client;
let onSecond: pg.Client;

async function newTenant(cluster?: string, prefix = "cl"): Promise<string> {
  const slug = uniqueSlug(prefix);
  created.add(slug);
  await createTenant({ slug, name: slug, ownerEmail: "owner@shared.test", cluster });
  return slug;
}

/** Changes process.env for one test; the returned function restores it. */
function patchEnv(vars: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  resetEnvCache();
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnvCache();
  };
}

beforeAll(async () => {
  onDefault = await rawClusterClient("default");
  onSecond = await rawClusterClient(second);
});

afterAll(async () => {
  await dropTenantsQuietly(created);
  await onDefault?.end();
  await onSecond?.end();
  await closePool();
});

describe("configuration", () => {
  it("lists the platform cluster first, then DATABASE_CLUSTERS, each with one pool", () => {
    expect(clusterNames()).toEqual(["default", second]);
    expect(clusterPool("default")).toBe(getPool());
    expect(clusterPool(second)).not.toBe(getPool());
    expect(clusterPool(second)).toBe(clusterPool(second));
  });

  it("refuses an unknown cluster name, naming it and the configured ones", () => {
    let err: unknown;
    try {
      clusterPool("nowhere");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("bad_request");
    expect((err as AppError).message).toBe(`Unknown database cluster "nowhere": configured clusters are default, ${second} (DATABASE_CLUSTERS).`);
  });

  it.each([
    ["default=postgresql://x/y", /"default" is the platform cluster/],
    ["b=postgresql://x/y,b=postgresql://x/z", /cluster "b" is listed twice/],
    ["b=mysql://x/y", /cluster "b" needs a postgresql:\/\/ URL/],
    ["B=postgresql://x/y", /"B" is not a cluster name/],
    ["postgresql://x/y", /is not a cluster name/],
  ])("refuses DATABASE_CLUSTERS=%s by name", (value, message) => {
    const restore = patchEnv({ DATABASE_CLUSTERS: value });
    try {
      expect(() => serverEnv()).toThrow(EnvError);
      expect(() => serverEnv()).toThrow(message);
      expect(() => serverEnv()).toThrow(/DATABASE_CLUSTERS/);
    } finally {
      restore();
    }
  });

  it("refuses a TENANT_PLACEMENT that names no configured cluster", () => {
    const restore = patchEnv({ TENANT_PLACEMENT: "elsewhere" });
    try {
      expect(() => serverEnv()).toThrow(/TENANT_PLACEMENT: must be least-loaded, default or a cluster named in DATABASE_CLUSTERS/);
    } finally {
      restore();
    }
  });
});

/** Resolves once a message published now has come back through Redis: every earlier one has been delivered. */
async function busCaughtUp(): Promise<void> {
  let calls = 0;
  let done!: () => void;
  const back = new Promise<void>((r) => (done = r));
  registerInvalidationTarget("test-sentinel", { invalidate: () => ++calls === 2 && done() }); // here at once, then the echo
  await publishInvalidation("test-sentinel", "x");
  await back;
}

describe("a tenant on the second cluster", () => {
  it("has its schema and its ledger there and nowhere else, and its platform row on the platform cluster", async () => {
    const slug = await newTenant(second);
    const schema = schemaNameFor(slug);
    expect(await schemaExists(onSecond, schema)).toBe(true);
    expect(await schemaExists(onDefault, schema)).toBe(false);
    expect((await ledgerOf(onSecond, schema)).size).toBeGreaterThan(0);
    expect((await ledgerOf(onDefault, schema)).size).toBe(0);
    const { rows } = await onDefault.query("SELECT cluster FROM public.tenants WHERE slug = $1", [slug]);
    expect(rows).toEqual([{ cluster: second }]);
    expect((await onDefault.query("SELECT name FROM public.db_clusters WHERE name = $1", [second])).rows).toHaveLength(1);
    // The platform tables exist on the platform cluster only.
    expect(await schemaExists(onSecond, "public")).toBe(true);
    expect((await onSecond.query("SELECT to_regclass('public.tenants') AS t")).rows[0].t).toBeNull();
    expect(await tenantCluster(slug)).toBe(second);
    expect(await tenantPool(slug)).toBe(clusterPool(second));
  });

  it("is read and written on its own cluster by tenantDb and every raw path; a tenant of the other cluster sees none of it", async () => {
    const a = await newTenant("default", "cl-a");
    const b = await newTenant(second, "cl-b");
    await withAudit(a, ctx, (tx) => tx.user.create({ data: { id: randomUUID(), email: "only-a@a.test", name: "A" } }));
    await withAudit(b, ctx, (tx) => tx.user.create({ data: { id: randomUUID(), email: "only-b@b.test", name: "B" } }));

    const emails = async (slug: string) => (await tenantDb(slug).user.findMany({ orderBy: { email: "asc" } })).map((u) => u.email);
    expect(await emails(a)).toEqual(["only-a@a.test", "owner@shared.test"]);
    expect(await emails(b)).toEqual(["only-b@b.test", "owner@shared.test"]);
    expect((await listMembers(b, {})).data.map((m) => m.email)).toEqual(["only-b@b.test", "owner@shared.test"]);
    expect((await listMembers(a, {})).data.map((m) => m.email)).toEqual(["only-a@a.test", "owner@shared.test"]);

    // Where the rows physically are.
    const schemaB = schemaNameFor(b);
    expect((await onSecond.query(`SELECT email FROM "${schemaB}".users ORDER BY email`)).rows.map((r) => r.email)).toEqual([
      "only-b@b.test",
      "owner@shared.test",
    ]);
    expect(await schemaExists(onDefault, schemaB)).toBe(false);
    expect(await schemaExists(onSecond, schemaNameFor(a))).toBe(false);

    // The audit trail: an explicit event, sealing and verification on the tenant's cluster.
    await recordEvent(b, ctx, { action: "test.cluster", summary: "on the second cluster", targetType: "tenant", targetId: b });
    expect((await sealNow(b)).complete).toBe(true);
    const report = await verifyChain(await tenantPool(b), b);
    expect(report).toMatchObject({ ok: true, unsealed: 0 });
    expect(report.rowsChecked).toBeGreaterThanOrEqual(3);
    const onSecondRows = await onSecond.query(`SELECT count(*)::int AS n FROM "${schemaB}".audit_log WHERE action = 'test.cluster'`);
    expect(onSecondRows.rows[0].n).toBe(1);
    // The platform cluster has no such schema: the same call there fails rather than reading anything.
    await expect(verifyChain(getPool(), b)).rejects.toMatchObject({ code: "3F000" }); // invalid_schema_name;

    // The webhook intake (raw, grouped SQL) stores on the tenant's cluster.
    const { integration } = await createIntegration(b, { name: "hook", kind: "webhook", scheme: "hmac-sha256" }, ctx);
    const body = Buffer.from('{"n":1}');
    const stored = await storeInboxEvent(
      b,
      { actorType: "webhook", actorId: integration.id, actorLabel: "hook", requestId: "r-1" },
      {
        integrationId: integration.id,
        providerEventId: "evt-1",
        eventType: "t",
        headers: {},
        body,
        bodySha256: createHash("sha256").update(body).digest("hex"),
      },
    );
    expect(stored.duplicate).toBe(false);
    expect((await onSecond.query(`SELECT provider_event_id FROM "${schemaB}".webhook_events WHERE id = $1`, [stored.id])).rows).toEqual([
      { provider_event_id: "evt-1" },
    ]);
    expect(await tenantDb(a).webhookEvent.count()).toBe(0);
  });

  it("is dropped on its cluster: schema, ledger rows and platform row", async () => {
    const slug = await newTenant(second);
    const schema = schemaNameFor(slug);
    await dropTenant(slug, slug);
    expect(await schemaExists(onSecond, schema)).toBe(false);
    expect((await ledgerOf(onSecond, schema)).size).toBe(0);
    expect(await tenantRowCount(onDefault, slug)).toBe(0);
    await expect(tenantCluster(slug)).rejects.toMatchObject({ code: "not_found" });
  });

  it("leaves nothing anywhere when the build on its cluster fails, or when the platform row cannot commit", async () => {
    for (const hook of ["beforeCommit", "beforePlatformCommit"] as const) {
      const slug = uniqueSlug("cl-fail");
      const fail = async () => {
        throw new Error(`${hook} failed`);
      };
      await expect(createTenant({ slug, name: slug, cluster: second }, { [hook]: fail })).rejects.toThrow(`${hook} failed`);
      expect(await tenantRowCount(onDefault, slug)).toBe(0);
      expect(await schemaExists(onSecond, schemaNameFor(slug))).toBe(false);
      expect((await ledgerOf(onSecond, schemaNameFor(slug))).size).toBe(0);
    }
  });

  it("cannot be placed on an unknown cluster; nothing is written", async () => {
    const slug = uniqueSlug("cl-unknown");
    const err = await createTenant({ slug, name: slug, cluster: "atlantis" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toContain('Unknown database cluster "atlantis"');
    expect(await tenantRowCount(onDefault, slug)).toBe(0);
  });

  it("one miss reads every tenant's placement at once: other tenants' first queries need no platform query", async () => {
    const x = await newTenant("default", "cl-all");
    const y = await newTenant(second, "cl-all");
    for (let i = 0; i < 100 && !invalidationsLive(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(invalidationsLive()).toBe(true);
    await forgetAllTenantPlacements();
    await busCaughtUp(); // this process's own copy of the message has come back too
    expect(peekTenantCluster(x)).toBeUndefined();
    expect(peekTenantCluster(y)).toBeUndefined();
    expect(await tenantCluster(x)).toBe("default");
    expect(peekTenantCluster(y)).toBe(second);
    // Not again within the minute: a tenant forgotten since is read on its own.
    await forgetTenantPlacement(y);
    expect(await tenantCluster(x)).toBe("default");
    expect(peekTenantCluster(y)).toBeUndefined();
    expect(await tenantCluster(y)).toBe(second);
  });

  it("follows its placement when it changes: the next lookup and client go to the new cluster", async () => {
    const slug = await newTenant("default", "cl-move");
    expect((await tenantDb(slug).user.findMany()).map((u) => u.email)).toEqual(["owner@shared.test"]);
    // Hand-made copy on the second cluster (what a move does, without its safeguards).
    const schema = schemaNameFor(slug);
    const copy = uniqueSlug("cl-copy");
    created.add(copy);
    await createTenant({ slug: copy, name: copy, cluster: second, ownerEmail: "copy@second.test" });
    await onSecond.query(`ALTER SCHEMA "${schemaNameFor(copy)}" RENAME TO "${schema}"`);
    await onSecond.query("UPDATE public.schema_migrations SET schema_name = $1 WHERE schema_name = $2", [schema, schemaNameFor(copy)]);
    await onDefault.query("DELETE FROM public.tenants WHERE slug = $1", [copy]);
    created.delete(copy);
    try {
      await onDefault.query("UPDATE public.tenants SET cluster = $1 WHERE slug = $2", [second, slug]);
      // Cached: still the old placement until it is announced.
      expect(await tenantCluster(slug)).toBe("default");
      await forgetTenantPlacement(slug);
      expect(await tenantCluster(slug)).toBe(second);
      expect((await tenantDb(slug).user.findMany()).map((u) => u.email)).toEqual(["copy@second.test"]);
    } finally {
      await onDefault.query("UPDATE public.tenants SET cluster = 'default' WHERE slug = $1", [slug]);
      await forgetTenantPlacement(slug);
      await onSecond.query(`DROP SCHEMA "${schema}" CASCADE`);
      await onSecond.query("DELETE FROM public.schema_migrations WHERE schema_name = $1", [schema]);
    }
  });
});

describe("placement policy", () => {
  it("least-loaded picks the configured cluster with the fewest tenants; a fixed policy always picks its cluster", async () => {
    // Two more clusters on the second server, which no other test uses: both start empty.
    const url = clusterUrls().get(second)!;
    const restore = patchEnv({ DATABASE_CLUSTERS: `${second}=${url},third=${url},fourth=${url}`, TENANT_PLACEMENT: "least-loaded" });
    const placed: string[] = [];
    try {
      await newTenant(second); // so `second` is not empty either
      const client = await getPool().connect();
      try {
        expect(await chooseCluster(client)).toBe("third");
        expect(await chooseCluster(client, "fourth")).toBe("fourth");
      } finally {
        client.release();
      }
      for (let i = 0; i < 2; i++) {
        const slug = uniqueSlug("cl-ll");
        placed.push(slug);
        placed.push((await createTenant({ slug, name: slug })).cluster);
      }
      expect([placed[1], placed[3]]).toEqual(["third", "fourth"]);
      process.env.TENANT_PLACEMENT = second;
      resetEnvCache();
      const fixed = uniqueSlug("cl-fixed");
      created.add(fixed);
      expect((await createTenant({ slug: fixed, name: fixed })).cluster).toBe(second);
    } finally {
      // Before the extra clusters leave the configuration: their tenants must go first.
      await dropTenantsQuietly([placed[0], placed[2]].filter((s): s is string => Boolean(s)));
      restore();
    }
  });
});

describe("start-up rule", () => {
  it("refuses tenants placed on a cluster missing from configuration, naming it", async () => {
    await checkTenantClusters(); // the test stack's own tenants are all placed on configured clusters
    await onDefault.query("BEGIN");
    try {
      await onDefault.query("INSERT INTO public.db_clusters (name) VALUES ('gone')");
      await onDefault.query(
        "INSERT INTO public.tenants (id, slug, name, schema_name, cluster, updated_at) VALUES (gen_random_uuid(), 'cl-orphan', 'x', 'tenant_cl_orphan', 'gone', now())",
      );
      await expect(checkTenantClusters(onDefault)).rejects.toThrow(
        `Tenants live on database cluster(s) missing from configuration: "gone" (1 tenant). Add them to DATABASE_CLUSTERS (configured: default, ${second}).`,
      );
    } finally {
      await onDefault.query("ROLLBACK");
    }
  });
});

describe("the tenants CLI", { timeout: 120_000 }, () => {
  it("creates on a named cluster, lists each tenant's cluster, and refuses an unknown one with exit 2", async () => {
    const slug = uniqueSlug("cl-cli");
    created.add(slug);
    const made = await runScript("scripts/tenants.ts", ["create", slug, "--name", "On Second", "--cluster", second]);
    expect(made).toMatchObject({ code: 0, stderr: "" });
    expect(made.stdout).toMatch(new RegExp(`^created tenant ${slug} \\(On Second\\) in schema ${schemaNameFor(slug)} on cluster ${second} in \\d+ ms\\n$`));
    expect(await schemaExists(onSecond, schemaNameFor(slug))).toBe(true);

    const listed = await runScript("scripts/tenants.ts", ["list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${slug}\\s+active\\s+${second}\\s+On Second$`, "m"));
    const json = await runScript("scripts/tenants.ts", ["list", "--json"]);
    expect((JSON.parse(json.stdout) as { slug: string; cluster: string }[]).find((t) => t.slug === slug)?.cluster).toBe(second);

    const other = uniqueSlug("cl-cli");
    const refused = await runScript("scripts/tenants.ts", ["create", other, "--name", "Nowhere", "--cluster", "atlantis"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`error: Unknown database cluster "atlantis": configured clusters are default, ${second}`);
    expect(await tenantRowCount(onDefault, other)).toBe(0);
  });
});
