// Drops a tenant for good: its schema, its row, its domains and its ledger rows, in
// one transaction. The caller must repeat the slug as confirmation.
import { quoteIdent } from "@/lib/db/identifier";
import { takeSharedLockInTransaction } from "@/lib/db/migrations/lock";
import { getPool } from "@/lib/db/pool";
import { forgetTenantClient } from "@/lib/db/tenant-client";
import { withPgTransaction } from "@/lib/db/transaction";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { forgetCachedTenants } from "./find-tenant";
import { mirrorDomain, mirrorTenant } from "./mirror";
import { schemaNameFor, slugSchema } from "./slug";

export async function dropTenant(slug: string, confirm: string): Promise<{ domains: string[] }> {
  const schema = schemaNameFor(parseOrThrow(slugSchema, slug, "slug"));
  if (confirm !== slug) throw new AppError("bad_request", `Confirmation does not match: pass --confirm ${slug}`);
  const domains = await withPgTransaction(getPool(), async (client) => {
    await takeSharedLockInTransaction(client);
    const found = await client.query<{ id: string }>("SELECT id FROM public.tenants WHERE slug = $1 FOR UPDATE", [slug]);
    const tenantId = found.rows[0]?.id;
    if (!tenantId) throw new AppError("not_found", `No tenant with the slug "${slug}".`);
    const removed = await client.query<{ hostname: string }>("DELETE FROM public.domains WHERE tenant_id = $1 RETURNING hostname", [tenantId]);
    await client.query("DELETE FROM public.tenants WHERE id = $1", [tenantId]);
    await client.query("DELETE FROM public.schema_migrations WHERE schema_name = $1", [schema]);
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    return removed.rows.map((r) => r.hostname);
  });
  forgetTenantClient(slug);
  await forgetCachedTenants();
  await mirrorTenant(slug, null);
  for (const hostname of domains) await mirrorDomain(hostname, null);
  return { domains };
}
