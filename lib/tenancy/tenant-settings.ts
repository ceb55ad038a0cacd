// A tenant's settings, parsed through tenantSettingsSchema (cached for a few seconds
// like the tenant lookups), and the one way to change them.
import { LRUCache } from "lru-cache";
import { recordEvent } from "@/lib/audit/with-audit";
import type { AuditContext } from "@/lib/audit/context";
import { platformDb } from "@/lib/db/platform-client";
import type { Prisma } from "@/lib/db/generated/platform/client";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { mirrorTenantApiLimit } from "./mirror";
import { tenantSettingsSchema, type TenantSettings } from "./settings";

const globalForSettings = globalThis as unknown as { __tenantSettings?: LRUCache<string, TenantSettings> };
function cache(): LRUCache<string, TenantSettings> {
  globalForSettings.__tenantSettings ??= new LRUCache<string, TenantSettings>({ max: 5_000, ttl: 5_000 });
  return globalForSettings.__tenantSettings;
}

export async function getTenantSettings(slug: string): Promise<TenantSettings> {
  const hit = cache().get(slug);
  if (hit) return hit;
  const row = await platformDb().tenant.findUnique({ where: { slug }, select: { settings: true } });
  if (!row) throw new AppError("not_found", `Unknown tenant ${slug}.`);
  // A stored value the schema no longer accepts falls back to defaults key by key.
  const parsed = tenantSettingsSchema.safeParse(row.settings ?? {});
  const settings = parsed.success ? parsed.data : tenantSettingsSchema.parse({});
  cache().set(slug, settings);
  return settings;
}

/** Merges `patch` into the tenant's settings (validated whole), audited in the tenant's trail. */
export async function updateTenantSettings(slug: string, patch: Partial<TenantSettings>, actor: AuditContext): Promise<TenantSettings> {
  const current = await getTenantSettings(slug);
  const next = parseOrThrow(tenantSettingsSchema, { ...current, ...patch }, "settings");
  await platformDb().tenant.update({ where: { slug }, data: { settings: next as unknown as Prisma.InputJsonValue } });
  cache().delete(slug);
  // The Edge middleware reads the API limit from the Redis mirror (a failure only warns).
  await mirrorTenantApiLimit(slug, next.rateLimits.apiPerMinute ?? null);
  const changed = Object.keys(patch).filter((k) => JSON.stringify(current[k as keyof TenantSettings]) !== JSON.stringify(next[k as keyof TenantSettings]));
  if (changed.length) {
    await recordEvent(slug, actor, {
      action: "settings.updated",
      targetType: "tenant",
      targetId: slug,
      summary: `settings changed: ${changed.join(", ")}`,
      metadata: Object.fromEntries(changed.map((k) => [k, { before: current[k as keyof TenantSettings], after: next[k as keyof TenantSettings] }])),
    });
  }
  return next;
}

export function forgetTenantSettings(): void {
  cache().clear();
}
