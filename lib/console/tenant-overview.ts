// The operator console's tenant list: search by slug or name and status, newest first,
// a page at a time, with each listed tenant's members, webhooks received in the last
// 24 h (its inbox, one UNION ALL query for the page) and API requests in the last 24 h
// (the hourly tallies the rate-limit script keeps, one MGET for the page). Tenants on
// several database clusters: one counting query per cluster.
import { quoteIdent } from "@/lib/db/identifier";
import { platformDb } from "@/lib/db/platform-client";
import { clusterPool } from "@/lib/db/clusters";
import type { Prisma } from "@/lib/db/generated/platform/client";
import { readTallies } from "@/lib/ratelimit/request-tally";
import { schemaNameFor } from "@/lib/tenancy/slug";
import type { TenantSearchQuery } from "./console-input";
import { log } from "@/lib/observability/logger";

export const tenantsPerPage = 50;

export interface TenantStats {
  members: number | null;
  webhooks24h: number | null;
  apiRequests24h: number | null;
}

export interface TenantRow extends TenantStats {
  slug: string;
  name: string;
  status: string;
  createdAt: Date;
}

export interface TenantPage {
  tenants: TenantRow[];
  total: number;
  page: number;
  pages: number;
}

type Counts = Map<string, { members: number; webhooks24h: number }>;

/** Members and webhooks of the last 24 h for each slug, one round trip per cluster; a cluster that cannot be read has no entries. */
export async function tenantCounts(tenants: { slug: string; cluster: string }[]): Promise<Counts> {
  const byCluster = new Map<string, string[]>();
  for (const { slug, cluster } of tenants) byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), slug]);
  const out: Counts = new Map();
  await Promise.all(
    [...byCluster].map(async ([cluster, group]) => {
      for (const [slug, counts] of await countsOn(cluster, group)) out.set(slug, counts);
    }),
  );
  return out;
}

async function countsOn(cluster: string, slugs: string[]): Promise<Counts> {
  const parts = slugs.map((slug, i) => {
    const s = quoteIdent(schemaNameFor(slug));
    return `SELECT $${i + 1}::text AS slug,
      (SELECT count(*) FROM ${s}.users)::int AS members,
      (SELECT count(*) FROM ${s}.webhook_events WHERE received_at > now() - interval '24 hours')::int AS webhooks`;
  });
  try {
    const { rows } = await clusterPool(cluster).query<{ slug: string; members: number; webhooks: number }>(parts.join("\nUNION ALL\n"), slugs);
    return new Map(rows.map((r) => [r.slug, { members: r.members, webhooks24h: r.webhooks }]));
  } catch (err) {
    log().warn({ component: "console", cluster, reason: err instanceof Error ? err.message : String(err) }, "tenant counts unavailable");
    return new Map();
  }
}

export async function tenantStats(tenants: { slug: string; cluster: string }[]): Promise<Map<string, TenantStats>> {
  const slugs = tenants.map((t) => t.slug);
  const [counts, tallies] = await Promise.all([tenantCounts(tenants), readTallies(slugs.map((s) => `api:${s}`))]);
  return new Map(
    slugs.map((slug) => [
      slug,
      {
        members: counts.get(slug)?.members ?? null,
        webhooks24h: counts.get(slug)?.webhooks24h ?? null,
        apiRequests24h: tallies?.get(`api:${slug}`) ?? null,
      },
    ]),
  );
}

export async function searchTenants(query: TenantSearchQuery): Promise<TenantPage> {
  // Prisma passes `contains` into LIKE as it is: % and _ would be wildcards.
  const q = query.q?.replace(/[\\%_]/g, "\\$&");
  const where: Prisma.TenantWhereInput = {
    ...(query.status ? { status: query.status } : {}),
    ...(q ? { OR: [{ slug: { contains: q, mode: "insensitive" } }, { name: { contains: q, mode: "insensitive" } }] } : {}),
  };
  const db = platformDb();
  const [total, rows] = await Promise.all([
    db.tenant.count({ where }),
    db.tenant.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { slug: "asc" }],
      skip: (query.page - 1) * tenantsPerPage,
      take: tenantsPerPage,
      select: { slug: true, name: true, status: true, createdAt: true, cluster: true },
    }),
  ]);
  const stats = await tenantStats(rows);
  return {
    tenants: rows.map(({ cluster: _cluster, ...r }) => ({ ...r, ...stats.get(r.slug)! })),
    total,
    page: query.page,
    pages: Math.max(1, Math.ceil(total / tenantsPerPage)),
  };
}
