// Where a new tenant goes: the cluster asked for, else TENANT_PLACEMENT: a fixed cluster,
// or `least-loaded`, the configured cluster with the fewest tenant schemas (ties: the
// first in clusterNames(), `default` first). Counted from public.tenants, one row per
// schema, on the platform cluster: no query reaches the tenant clusters.
import type pg from "pg";
import { assertConfiguredCluster, clusterNames } from "@/lib/db/clusters";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { clusterNameSchema, serverEnv } from "@/lib/env";

export async function chooseCluster(platform: pg.ClientBase, requested?: string): Promise<string> {
  if (requested !== undefined) {
    const name = parseOrThrow(clusterNameSchema, requested, "cluster");
    assertConfiguredCluster(name);
    return name;
  }
  const policy = serverEnv().TENANT_PLACEMENT;
  if (policy !== "least-loaded") return policy;
  const names = clusterNames();
  if (names.length === 1) return names[0]!;
  const { rows } = await platform.query<{ cluster: string; n: number }>("SELECT cluster, count(*)::int AS n FROM public.tenants GROUP BY cluster");
  const load = new Map(rows.map((r) => [r.cluster, r.n]));
  let best = names[0]!;
  for (const name of names) if ((load.get(name) ?? 0) < (load.get(best) ?? 0)) best = name;
  return best;
}
