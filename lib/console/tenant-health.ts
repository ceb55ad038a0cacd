// One tenant as the console's detail page shows it: record, domains, counts, the
// health of each integration (lib/integrations/health.ts), its dead letters and the
// state of its audit chain (verified on request: a walk of the whole chain).
import { verifyChain, type ChainReport } from "@/lib/audit/verify-chain";
import { unsealedCount } from "@/lib/audit/seal-chain";
import { platformDb } from "@/lib/db/platform-client";
import { tenantPool } from "@/lib/db/tenant-pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { integrationHealth, type IntegrationHealth } from "@/lib/integrations/health";
import { listDomains, type DomainView } from "@/lib/tenancy/domains";
import { tenantStats, type TenantStats } from "./tenant-overview";

export interface TenantDetail {
  tenant: { id: string; slug: string; name: string; status: string; createdAt: Date; updatedAt: Date; cluster: string };
  domains: DomainView[];
  stats: TenantStats;
  integrations: { id: string; name: string; kind: string; health: IntegrationHealth | null }[];
  deadLetters: number;
  audit: { unsealed: number; verification: ChainReport | null };
}

export async function tenantDetail(slug: string, options: { verifyAudit?: boolean } = {}): Promise<TenantDetail> {
  const tenant = await platformDb().tenant.findUnique({
    where: { slug },
    select: {
      id: true,
      slug: true,
      name: true,
      status: true,
      createdAt: true,
      updatedAt: true,
      cluster: true,
    },
  });
  if (!tenant) throw new AppError("not_found", `No tenant with the slug "${slug}".`);
  const db = tenantDb(slug);
  // The tenant's audit log is on its own cluster.
  const pool = await tenantPool(slug);
  const [stats, integrations, deadLetters, unsealed, domains] = await Promise.all([
    tenantStats([{ slug, cluster: tenant.cluster }]),
    db.integration.findMany({ select: { id: true, name: true, kind: true }, orderBy: { name: "asc" }, take: 100 }),
    db.webhookEvent.count({ where: { status: "dead" } }),
    unsealedCount(pool, slug),
    listDomains(slug),
  ]);
  const withHealth = await Promise.all(integrations.map(async (i) => ({ ...i, health: await integrationHealth(slug, i.id).catch(() => null) })));
  const verification = options.verifyAudit ? await verifyChain(pool, slug) : null;
  return { tenant, domains, stats: stats.get(slug)!, integrations: withHealth, deadLetters, audit: { unsealed, verification } };
}
