// Where a tenant's schema lives: its cluster (public.tenants.cluster, read from the
// platform cluster only) and that cluster's pool. Served from memory like the tenant
// record; a placement change (a move) is announced with forgetTenantPlacement(slug), which
// drops the entry on every instance over the cache invalidation bus, and tells the
// listeners here (the tenant's Prisma client, bound to the old pool) to let go.
// With the bus down, an entry is not served past the bus's 1 s bound.
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
}

const g = globalThis as unknown as { __tenantPlacement?: PlacementState };

function state(): PlacementState {
  if (!g.__tenantPlacement) {
    const s: PlacementState = { lru: new LRUCache({ max: 50_000, ttl: 10 * 60_000 }), epoch: 0, listeners: new Set() };
    registerInvalidationTarget(BUS_NAME, {
      invalidate(slug) {
        s.epoch++;
        if (slug === null) s.lru.clear();
        else s.lru.delete(slug);
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

/** The name of the cluster the tenant's schema lives on. Unknown tenant: not_found. */
export async function tenantCluster(slug: string): Promise<string> {
  const hit = peekTenantCluster(slug);
  if (hit !== undefined) return hit;
  parseOrThrow(slugSchema, slug, "tenant slug");
  const s = state();
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
