// A tenant's settings, parsed through tenantSettingsSchema and served from memory
// (dropped on every instance when they change, lib/cache), and the one way to change them.
import { withAudit } from "@/lib/audit/with-audit";
import { sharedCache } from "@/lib/cache/shared-cache";
import type { AuditContext } from "@/lib/audit/context";
import { platformDb } from "@/lib/db/platform-client";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { forgetCachedTenants } from "./find-tenant";
import { tenantSettingsSchema, type TenantSettings } from "./settings";
import { tenantNameSchema } from "./tenant-input";

const cache = () => sharedCache<TenantSettings>({ name: "tenant-settings", max: 20_000, ttlMs: 5 * 60_000 });

export function getTenantSettings(slug: string): Promise<TenantSettings> {
  return cache().load(slug, async () => {
    const row = await platformDb().tenant.findUnique({ where: { slug }, select: { settings: true } });
    if (!row) throw new AppError("not_found", `Unknown tenant ${slug}.`);
    return parseStored(row.settings);
  });
}

function parseStored(raw: unknown): TenantSettings {
  // A stored value the schema no longer accepts falls back to the defaults.
  const parsed = tenantSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : tenantSettingsSchema.parse({});
}

/**
 * Merges `patch` into the tenant's settings (validated whole; a field replaces the stored
 * value whole). One transaction reads the row under lock (no lost update between
 * processes), writes it, and appends one audit event with each changed field's before
 * and after to the tenant's trail, so a change is never unaudited. `displayName` is the
 * tenant row's name. Every instance drops its cached copy within the bus's 1 s bound.
 */
export async function updateTenantSettings(
  slug: string,
  patch: Partial<TenantSettings> & { displayName?: string },
  actor: AuditContext,
): Promise<TenantSettings> {
  const { displayName, ...settingsPatch } = patch;
  const { merged, renamed } = await withAudit(slug, actor, async (tx, audit) => {
    const [row] = await tx.$queryRawUnsafe<{ name: string; settings: unknown }[]>("SELECT name, settings FROM public.tenants WHERE slug = $1 FOR UPDATE", slug);
    if (!row) throw new AppError("not_found", `Unknown tenant ${slug}.`);
    const current = parseStored(row.settings);
    const merged = parseOrThrow(tenantSettingsSchema, { ...current, ...settingsPatch }, "settings");
    const name = displayName === undefined ? row.name : parseOrThrow(tenantNameSchema, displayName, "display name");
    await tx.$executeRawUnsafe(
      "UPDATE public.tenants SET name = $1, settings = $2::jsonb, updated_at = now() WHERE slug = $3",
      name,
      JSON.stringify(merged),
      slug,
    );
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    if (name !== row.name) changes.displayName = { before: row.name, after: name };
    for (const k of Object.keys(settingsPatch) as (keyof TenantSettings)[]) {
      if (JSON.stringify(current[k]) !== JSON.stringify(merged[k])) changes[k] = { before: current[k], after: merged[k] };
    }
    const changed = Object.keys(changes);
    if (changed.length) {
      await audit.record({
        action: "settings.updated",
        targetType: "tenant",
        targetId: slug,
        summary: `settings changed: ${changed.join(", ")}`,
        metadata: changes,
      });
    }
    return { merged, renamed: name !== row.name };
  });
  await cache().invalidate(slug);
  // The name is part of the tenant record every lookup caches.
  if (renamed) await forgetCachedTenants();
  return merged;
}

export function forgetTenantSettings(): void {
  cache().clear();
}
