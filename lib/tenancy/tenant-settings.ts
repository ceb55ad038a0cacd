// A tenant's settings, parsed through tenantSettingsSchema and served from memory
// (dropped on every instance when they change, lib/cache), and the one way to change them.
import { withAudit } from "@/lib/audit/with-audit";
import { sharedCache } from "@/lib/cache/shared-cache";
import type { AuditContext } from "@/lib/audit/context";
import { platformDb } from "@/lib/db/platform-client";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { tenantSettingsSchema, type TenantSettings } from "./settings";

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
 * Merges `patch` into the tenant's settings (validated whole). One transaction reads
 * the row under lock (no lost update between processes), writes it, and appends the
 * audit event to the tenant's trail, so a change is never unaudited.
 */
export async function updateTenantSettings(slug: string, patch: Partial<TenantSettings>, actor: AuditContext): Promise<TenantSettings> {
  const next = await withAudit(slug, actor, async (tx, audit) => {
    const [row] = await tx.$queryRawUnsafe<{ settings: unknown }[]>("SELECT settings FROM public.tenants WHERE slug = $1 FOR UPDATE", slug);
    if (!row) throw new AppError("not_found", `Unknown tenant ${slug}.`);
    const current = parseStored(row.settings);
    const merged = parseOrThrow(tenantSettingsSchema, { ...current, ...patch }, "settings");
    await tx.$executeRawUnsafe("UPDATE public.tenants SET settings = $1::jsonb, updated_at = now() WHERE slug = $2", JSON.stringify(merged), slug);
    const changed = (Object.keys(patch) as (keyof TenantSettings)[]).filter((k) => JSON.stringify(current[k]) !== JSON.stringify(merged[k]));
    if (changed.length) {
      await audit.record({
        action: "settings.updated",
        targetType: "tenant",
        targetId: slug,
        summary: `settings changed: ${changed.join(", ")}`,
        metadata: Object.fromEntries(changed.map((k) => [k, { before: current[k], after: merged[k] }])),
      });
    }
    return merged;
  });
  await cache().invalidate(slug);
  return next;
}

export function forgetTenantSettings(): void {
  cache().clear();
}
