// Which in-memory caches a tenant transaction may have made stale. withAudit (the one
// path for tenant writes; the database refuses others) wraps its transaction client in
// trackTenantWrites, and after the commit drops the groups of the caches whose tables
// the transaction touched, on every instance. Automatic, so no write path can forget
// to invalidate: a revoked session, key or rotated secret stops working everywhere
// within the bus's bound (lib/cache/invalidation-bus.ts).
import { invalidateGroupEverywhere } from "./shared-cache";

interface CacheReads {
  cache: string;
  /** Prisma delegate names on the transaction client. */
  models: string[];
  /** Table names as they appear in raw SQL. */
  tables: string[];
}

/** The per-tenant caches (grouped by tenant slug) and the tenant tables each one reads. */
export const tenantCaches = {
  sessions: { cache: "sessions", models: ["user", "session", "refreshToken"], tables: ["users", "sessions", "refresh_tokens"] },
  // Deleting an organization deletes its scoped keys by cascade: that must drop them too.
  apiKeys: { cache: "api-keys", models: ["user", "apiKey", "organization"], tables: ["users", "api_keys", "organizations"] },
  integrations: { cache: "integrations", models: ["integration"], tables: ["integrations"] },
} as const satisfies Record<string, CacheReads>;

const all: CacheReads[] = Object.values(tenantCaches);
const rawMethods = new Set(["$queryRawUnsafe", "$executeRawUnsafe", "$queryRaw", "$executeRaw"]);

function tablesIn(sql: unknown): string[] {
  const text = Array.isArray(sql) ? sql.join(" ") : typeof sql === "string" ? sql : "";
  return all.filter((c) => c.tables.some((t) => new RegExp(`\\b${t}\\b`).test(text))).map((c) => c.cache);
}

/** A view of `tx` that notes which cached tables it touches (reads count too: cheap and safe). */
export function trackTenantWrites<T extends object>(tx: T): { tx: T; touched: () => string[] } {
  const touched = new Set<string>();
  const proxy = new Proxy(tx, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== "string") return value;
      for (const c of all) if ((c.models as readonly string[]).includes(prop)) touched.add(c.cache);
      if (rawMethods.has(prop) && typeof value === "function") {
        return (sql: unknown, ...args: unknown[]) => {
          for (const name of tablesIn(sql)) touched.add(name);
          return (value as (...a: unknown[]) => unknown).call(target, sql, ...args);
        };
      }
      return value;
    },
  });
  return { tx: proxy, touched: () => [...touched] };
}

/** After the commit: drops the tenant's entries of those caches everywhere. Never throws. */
export async function invalidateTenantCaches(slug: string, caches: string[]): Promise<void> {
  await Promise.all(caches.map((name) => invalidateGroupEverywhere(name, slug).catch(() => undefined)));
}
