// Where a tenant's schema lives: its cluster (public.tenants.cluster, read from the
// platform cluster only) and that cluster's pool. Served from memory like the tenant
// record; a placement change (a move) is announced with forgetTenantPlacement(slug), which
// drops the entry on every instance over the cache invalidation bus, and tells the
// listeners here (the tenant's Prisma client, bound to the old pool) to let go.
// With the bus down, an entry is not served past the bus's 1 s bound. A miss reads the whole
// placement table (at most once a minute), so thousands of tenants cost one query, not one each.
import type pg from "pg";
import { LRUCache } from "lru-cache";
import { ensureListening, invalidationsLive, publishInvalidation, registerInvalidationTarget, UNSUBSCRIBED_TTL_MS } from "@/lib/cache/invalidation-bus";
import { AppError } from "@/lib/errors/app-error";
import { slugSchema } from "@/lib/tenancy/slug";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { clusterPool, isConfiguredCluster } from "./clusters";
import { getPool } from "./pool";

const BUS_NAME = "tenant-placement";

interface Placement {
  cluster: string;
  at: number;
}

interface PlacementState {
  lru: LRUCache<string, Placement>;
  /** Bumped by every invalidation: a load that started before one does not cache what it read. */
  epoch: number;
  listeners: Set<(slug: string | null) => void>;
  /** When the whole table was last read (0: never), and the read in progress. */
  wholeTableAt: number;
  wholeTable?: Promise<void>;
}

const g = globalThis as unknown as { __tenantPlacement?: PlacementState };

function state(): PlacementState {
  if (!g.__tenantPlacement) {
    const s: PlacementState = { lru: new LRUCache({ max: 50_000, ttl: 10 * 60_000 }), epoch: 0, listeners: new Set(), wholeTableAt: 0 };
    registerInvalidationTarget(BUS_NAME, {
      invalidate(slug) {
        s.epoch++;
        if (slug === null) {
          s.lru.clear();
          s.wholeTableAt = 0; // the next miss reads the whole table again
        } else s.lru.delete(slug);
        for (const listener of s.listeners) listener(slug);
      },
    });
    g.__tenantPlacement = s;
  }
  return g.__tenantPlacement;
}

/** Called with the slug whose placement changed (null: all of them), on every instance. */
export function onPlacementChange(listener: (slug: string | null) => void): void {
  state().listeners.add(listener);
}

/** The cluster this process last read for the tenant, if still fresh; no I/O. */
export function peekTenantCluster(slug: string): string | undefined {
  ensureListening();
  const entry = state().lru.get(slug);
  if (!entry) return undefined;
  if (!invalidationsLive() && Date.now() - entry.at > UNSUBSCRIBED_TTL_MS) return undefined;
  return entry.cluster;
}

/** How often a miss may read the whole placement table instead of one row. */
const WHOLE_TABLE_EVERY_MS = 60_000;

/**
 * Reads every tenant's placement in one query (up to the cache's size): a process serving
 * thousands of tenants then pays one platform round trip for all of them, not one on each
 * tenant's first query. An invalidation during the read keeps what it read out of the cache.
 */
function loadAllPlacements(s: PlacementState): Promise<void> {
  s.wholeTable ??= (async () => {
    const before = s.epoch;
    try {
      const { rows } = await getPool().query<{ slug: string; cluster: string }>("SELECT slug, cluster FROM public.tenants ORDER BY slug LIMIT $1", [s.lru.max]);
      if (s.epoch !== before) return;
      const at = Date.now();
      for (const r of rows) if (!s.lru.has(r.slug)) s.lru.set(r.slug, { cluster: r.cluster, at });
    } finally {
      s.wholeTableAt = Date.now();
      s.wholeTable = undefined;
    }
  })();
  return s.wholeTable;
}

/** The name of the cluster the tenant's schema lives on. Unknown tenant: not_found. */
export async function tenantCluster(slug: string): Promise<string> {
  const hit = peekTenantCluster(slug);
  if (hit !== undefined) return hit;
  parseOrThrow(slugSchema, slug, "tenant slug");
  const s = state();
  if (invalidationsLive() && (s.wholeTable || Date.now() - s.wholeTableAt >= WHOLE_TABLE_EVERY_MS)) {
    await loadAllPlacements(s).catch(() => undefined); // the one-row read below decides
    const loaded = peekTenantCluster(slug);
    if (loaded !== undefined) return loaded;
  }
  const before = s.epoch;
  const { rows } = await getPool().query<{ cluster: string }>("SELECT cluster FROM public.tenants WHERE slug = $1", [slug]);
  const cluster = rows[0]?.cluster;
  if (cluster === undefined) throw new AppError("not_found", `No tenant with the slug "${slug}".`);
  if (s.epoch === before) s.lru.set(slug, { cluster, at: Date.now() });
  return cluster;
}

/** The pool of the cluster the tenant lives on: the only way tenant SQL reaches a database. */
export async function tenantPool(slug: string): Promise<pg.Pool> {
  const cluster = await tenantCluster(slug);
  if (!isConfiguredCluster(cluster)) {
    // Start-up refuses this (checkTenantClusters); a tenant placed since by an instance
    // with more clusters configured lands here.
    throw new AppError("unavailable", `Tenant "${slug}" lives on database cluster "${cluster}", which this instance does not have in DATABASE_CLUSTERS.`);
  }
  return clusterPool(cluster);
}

/** After the tenant's placement changed (committed): every instance forgets it and re-reads. */
export function forgetTenantPlacement(slug: string): Promise<void> {
  state(); // registered, so the local drop happens too
  return publishInvalidation(BUS_NAME, slug);
}

/** Every instance forgets every placement (e.g. after placements were edited by hand); the next miss reads them all. */
export function forgetAllTenantPlacements(): Promise<void> {
  state();
  return publishInvalidation(BUS_NAME, null);
}
