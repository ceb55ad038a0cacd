// What a move needs of the cluster layer (lib/db/clusters.ts, lib/db/tenant-pool.ts): a
// cluster's pool, refusing unknown clusters, and telling every instance that a tenant's
// placement changed.
import { forgetTenantPlacement } from "@/lib/db/tenant-pool";
import { forgetCachedTenants } from "@/lib/tenancy/find-tenant";

export { assertConfiguredCluster, clusterPool } from "@/lib/db/clusters";
export { registerCluster } from "@/lib/db/cluster-registry";

/** After the switch committed: every instance re-reads the placement (and drops clients bound to the old pool). */
export async function invalidatePlacement(slug: string): Promise<void> {
  await forgetTenantPlacement(slug);
  await forgetCachedTenants();
}
