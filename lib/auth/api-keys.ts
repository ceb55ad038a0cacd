// API keys: `tpk_<12 hex>_<43 chars>`, shown once. The table keeps the visible prefix
// (`tpk_<12 hex>`, unique, for lookup) and a SHA-256 of the whole key: the secret part
// has 256 bits of randomness, so a fast hash is enough. Compared in constant time.
// Keys are served from memory; any write to api_keys or users drops the tenant's
// entries on every instance (withAudit), so a revocation applies everywhere within 1 s.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";
import { addYears, boundedDate } from "@/lib/zod/dates";
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { sharedCache } from "@/lib/cache/shared-cache";
import { tenantCaches } from "@/lib/cache/tenant-write-tracking";
import { safeEqual, sha256Hex } from "@/lib/crypto/compare";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { parseOnce } from "@/lib/errors/from-zod";
import { isTenantWriteHold } from "@/lib/tenancy/move/write-hold-error";
import { touchApiKey, touchEveryMs } from "./housekeeping-touch";
import { permissionSchema, permissionsOf, roleSchema, type Permission } from "./permissions";
import type { ApiKeyPrincipal, Principal } from "./principal";

export const maxKeyLifetimeYears = 5;
const keyPattern = /^(tpk_[0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

export const createApiKeyInput = z
  .object({
    name: text().trim().min(1, "Give the key a name.").max(textLimits.name),
    scopes: z.array(permissionSchema).min(1, "Choose at least one permission.").max(20),
    /** Within the next five years: a longer-lived key should be a decision, not a typo. */
    expiresAt: boundedDate()
      .refine((d) => d > new Date(), "must be in the future")
      .refine((d) => d <= addYears(new Date(), maxKeyLifetimeYears), `must be at most ${maxKeyLifetimeYears} years from now`)
      .nullable()
      .optional(),
    /** Scopes the key to one organization of the tenant: it sees only that organization's objects. */
    organizationId: z.uuid("must be an organization's id").nullable().optional(),
  })
  .strict();

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy: { id: string; email: string } | null;
  organization: { id: string; name: string } | null;
}

const viewSelect = {
  id: true,
  name: true,
  prefix: true,
  scopes: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  createdBy: { select: { id: true, email: true } },
  organization: { select: { id: true, name: true } },
} as const;

/**
 * Past its expiry. A stored expiry JavaScript cannot read (Prisma gives Invalid Date for a
 * five-digit year or `infinity`, written before dates were bounded) counts as expired: fail closed.
 */
export function isExpired(expiresAt: Date | null, now = new Date()): boolean {
  return expiresAt !== null && !(expiresAt.getTime() > now.getTime());
}

export function looksLikeApiKey(token: string): boolean {
  return keyPattern.test(token);
}

/** Creates a key with scopes the creator holds; returns the key once, in clear. */
export async function createApiKey(slug: string, creator: Principal, raw: unknown, ctx: AuditContext): Promise<{ key: string; apiKey: ApiKeyView }> {
  // A key cannot mint keys: a leaked one could otherwise outlive its own revocation.
  if (creator.kind !== "user")
    throw new AppError("forbidden", "API keys are created by signed-in people, not by other API keys.", [], { reason: "permission_denied" });
  const input = parseOnce(createApiKeyInput, raw, "API key");
  const beyond = input.scopes.filter((s) => !creator.permissions.includes(s));
  if (beyond.length) throw new AppError("forbidden", `You cannot grant permissions you do not hold: ${beyond.join(", ")}.`, [], { reason: "scope_not_held" });
  const prefix = `tpk_${randomBytes(6).toString("hex")}`;
  const key = `${prefix}_${randomBytes(32).toString("base64url")}`;
  const apiKey = await withAudit(slug, ctx, async (tx) => {
    if (input.organizationId && !(await tx.organization.findUnique({ where: { id: input.organizationId }, select: { id: true } })))
      throw new AppError("bad_request", "Invalid API key: organizationId names no organization of this tenant.", [
        { path: "organizationId", message: "no organization with this id" },
      ]);
    return tx.apiKey.create({
      data: {
        name: input.name,
        prefix,
        keyHash: sha256Hex(key),
        scopes: [...new Set(input.scopes)],
        createdById: creator.id,
        expiresAt: input.expiresAt ?? null,
        organizationId: input.organizationId ?? null,
      },
      select: viewSelect,
    });
  });
  return { key, apiKey };
}

export function listApiKeys(slug: string): Promise<ApiKeyView[]> {
  return tenantDb(slug).apiKey.findMany({ orderBy: { createdAt: "desc" }, select: viewSelect, take: 500 });
}

export async function revokeApiKey(slug: string, id: string, ctx: AuditContext): Promise<void> {
  if (!z.uuid().safeParse(id).success) throw new AppError("not_found", "No such active API key.");
  const done = await withAudit(slug, ctx, (tx) => tx.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } }));
  if (done.count === 0) throw new AppError("not_found", "No such active API key.");
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdById: string | null;
  organizationId: string | null;
  createdBy: { role: string; status: string } | null;
}

const keyCache = () => sharedCache<KeyRow | null>({ name: tenantCaches.apiKeys.cache, max: 20_000, ttlMs: 5 * 60_000 });

/** The principal of a valid, unrevoked, unexpired key of this tenant, else null. */
export async function authenticateApiKey(slug: string, key: string, ctx: Omit<AuditContext, "actorType">, now = new Date()): Promise<ApiKeyPrincipal | null> {
  const match = keyPattern.exec(key);
  if (!match) return null;
  const row = await keyCache().load(
    `${slug}:${match[1]!}`,
    () =>
      tenantDb(slug).apiKey.findUnique({
        where: { prefix: match[1]! },
        select: {
          id: true,
          name: true,
          prefix: true,
          keyHash: true,
          scopes: true,
          expiresAt: true,
          revokedAt: true,
          lastUsedAt: true,
          createdById: true,
          organizationId: true,
          createdBy: { select: { role: true, status: true } },
        },
      }),
    slug,
  );
  if (!row || !safeEqual(row.keyHash, sha256Hex(key))) return null;
  if (row.revokedAt || isExpired(row.expiresAt, now)) return null;
  // A key acts for its creator: never beyond the creator's current role, and not at
  // all once the creator is removed (createdById is then null) or not active.
  const creatorRole = roleSchema.safeParse(row.createdBy?.role);
  if (!row.createdBy || row.createdBy.status !== "active" || !creatorRole.success) return null;
  const allowed = permissionsOf(creatorRole.data);
  const principal: ApiKeyPrincipal = {
    kind: "api_key",
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    permissions: row.scopes.filter((s): s is Permission => permissionSchema.safeParse(s).success && allowed.includes(s as Permission)),
    createdById: row.createdById,
    organizationId: row.organizationId,
  };
  // last_used_at is written at most once per interval per instance, off the request path
  // (./housekeeping-touch.ts); the first use of a UTC day is written here, in the request,
  // with its audit event (at most one a day per key and instance).
  const last = row.lastUsedAt;
  const firstToday = !last || last.toISOString().slice(0, 10) !== now.toISOString().slice(0, 10);
  if (last && !firstToday) {
    if (now.getTime() - last.getTime() > touchEveryMs) {
      row.lastUsedAt = now;
      void touchApiKey(slug, row.id, now);
    }
  } else {
    row.lastUsedAt = now;
    const actor: AuditContext = { ...ctx, actorType: "api_key", actorId: row.id, actorLabel: `api key ${row.prefix} (${row.name})`.slice(0, 200) };
    await withAudit(
      slug,
      actor,
      async (tx, audit) => {
        await tx.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
        await audit.record({
          action: auditActions.apiKeyUsed,
          targetType: "api_key",
          targetId: row.id,
          summary: `API key ${row.prefix} (${row.name}) used (first use on ${now.toISOString().slice(0, 10)})`,
        });
      },
      { keepCaches: true },
    ).catch((err: unknown) => {
      // Housekeeping: while a move holds the tenant read-only, a read goes on without it.
      if (!isTenantWriteHold(err)) throw err;
    });
  }
  return principal;
}
