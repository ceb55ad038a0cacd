// Drops a tenant for good: its schema and its ledger rows on its cluster, its row and its
// domains on the platform. On the `default` cluster in one transaction; on another, the
// schema is dropped and committed there while the platform row is held locked, then the
// row goes: if that last commit fails, the row remains without a schema and running the
// drop again finishes it. The caller must repeat the slug as confirmation.
import type pg from "pg";
import { clusterPool, DEFAULT_CLUSTER } from "@/lib/db/clusters";
import { quoteIdent } from "@/lib/db/identifier";
import { takeSharedLockInTransaction } from "@/lib/db/migrations/lock";
import { getPool } from "@/lib/db/pool";
import { forgetTenantClient } from "@/lib/db/tenant-client";
import { forgetTenantPlacement } from "@/lib/db/tenant-pool";
import { withPgTransaction } from "@/lib/db/transaction";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { forgetCachedTenants } from "./find-tenant";
import { mirrorDomain, mirrorTenant } from "./mirror";
import { schemaNameFor, slugSchema } from "./slug";

async function dropSchema(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query("DELETE FROM public.schema_migrations WHERE schema_name = $1", [schema]);
  await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
}

export async function dropTenant(slug: string, confirm: string): Promise<{ domains: string[] }> {
  const schema = schemaNameFor(parseOrThrow(slugSchema, slug, "slug"));
  if (confirm !== slug) throw new AppError("bad_request", `Confirmation does not match: pass --confirm ${slug}`);
  const domains = await withPgTransaction(getPool(), async (platform) => {
    await takeSharedLockInTransaction(platform);
    const found = await platform.query<{ id: string; cluster: string }>("SELECT id, cluster FROM public.tenants WHERE slug = $1 FOR UPDATE", [slug]);
    const tenant = found.rows[0];
    if (!tenant) throw new AppError("not_found", `No tenant with the slug "${slug}".`);
    const removed = await platform.query<{ hostname: string }>("DELETE FROM public.domains WHERE tenant_id = $1 RETURNING hostname", [tenant.id]);
    await platform.query("DELETE FROM public.tenants WHERE id = $1", [tenant.id]);
    if (tenant.cluster === DEFAULT_CLUSTER) await dropSchema(platform, schema);
    else {
      await withPgTransaction(clusterPool(tenant.cluster), async (client) => {
        await takeSharedLockInTransaction(client);
        await dropSchema(client, schema);
      });
    }
    return removed.rows.map((r) => r.hostname);
  });
  forgetTenantClient(slug);
  await forgetTenantPlacement(slug);
  await forgetCachedTenants();
  await mirrorTenant(slug, null);
  for (const hostname of domains) await mirrorDomain(hostname, null);
  return { domains };
}
