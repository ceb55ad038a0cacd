// The operator console's tenant list: search by slug or name and status, newest first,
// a page at a time, with each listed tenant's members, webhooks received in the last
// 24 h (its inbox, one UNION ALL query for the page) and API requests in the last 24 h
// (the hourly tallies the rate-limit script keeps, one MGET for the page).
import { quoteIdent } from "@/lib/db/identifier";
import { platformDb } from "@/lib/db/platform-client";
import { getPool } from "@/lib/db/pool";
import type { Prisma } from "@/lib/db/generated/platform/client";
import { readTallies } from "@/lib/ratelimit/request-tally";
import { schemaNameFor } from "@/lib/tenancy/slug";
import type { TenantSearchQuery } from "./console-input";

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

/** Members and webhooks of the last 24 h for each slug, in one round trip; null when a schema cannot be read. */
export async function tenantCounts(slugs: string[]): Promise<Map<string, { members: number; webhooks24h: number }> | null> {
  if (slugs.length === 0) return new Map();
  const parts = slugs.map((slug, i) => {
    const s = quoteIdent(schemaNameFor(slug));
    return `SELECT $${i + 1}::text AS slug,
      (SELECT count(*) FROM ${s}.users)::int AS members,
      (SELECT count(*) FROM ${s}.webhook_events WHERE received_at > now() - interval '24 hours')::int AS webhooks`;
  });
  try {
    const { rows } = await getPool().query<{ slug: string; members: number; webhooks: number }>(parts.join("\nUNION ALL\n"), slugs);
    return new Map(rows.map((r) => [r.slug, { members: r.members, webhooks24h: r.webhooks }]));
  } catch (err) {
    console.warn(`[console] tenant counts unavailable: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

export async function tenantStats(slugs: string[]): Promise<Map<string, TenantStats>> {
  const [counts, tallies] = await Promise.all([tenantCounts(slugs), readTallies(slugs.map((s) => `api:${s}`))]);
  return new Map(
    slugs.map((slug) => [
      slug,
      {
        members: counts?.get(slug)?.members ?? null,
        webhooks24h: counts?.get(slug)?.webhooks24h ?? null,
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
      select: { slug: true, name: true, status: true, createdAt: true },
    }),
  ]);
  const stats = await tenantStats(rows.map((r) => r.slug));
  return {
    tenants: rows.map((r) => ({ ...r, ...stats.get(r.slug)! })),
    total,
    page: query.page,
    pages: Math.max(1, Math.ceil(total / tenantsPerPage)),
  };
}
