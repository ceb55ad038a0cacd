"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import { tenantAction } from "@/lib/http/tenant-action";

const input = z.object({
  name: text().max(300),
  // A checkbox group: absent (none ticked), one value, or several.
  scopes: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(text().max(60)).max(40)),
  expiresAt: text()
    .max(20)
    .optional()
    .transform((v) => v?.trim() || undefined)
    .pipe(
      text()
        .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date such as 2030-01-31.")
        .optional(),
    ),
  // "" (the whole tenant) or an organization's id; lib checks it is one of this tenant's.
  organizationId: text()
    .max(100)
    .optional()
    .transform((v) => v?.trim() || null),
});

export type CreatedKey = { key: string; name: string; prefix: string };

/** The key works until the end of the chosen day (UTC). lib checks scopes against the creator's own. */
export const createApiKeyAction = tenantAction({ permission: "api_keys:write", input, what: "API key" }, async (ctx, v): Promise<CreatedKey> => {
  const expiresAt = v.expiresAt ? `${v.expiresAt}T23:59:59.999Z` : null;
  const { key, apiKey } = await createApiKey(
    ctx.tenant.slug,
    ctx.principal,
    { name: v.name, scopes: v.scopes, expiresAt, organizationId: v.organizationId },
    ctx.actor,
  );
  revalidatePath("/api-keys");
  return { key, name: apiKey.name, prefix: apiKey.prefix };
});

export const revokeApiKeyAction = tenantAction(
  { permission: "api_keys:write", input: z.object({ id: text().max(100) }), what: "API key revoke" },
  async (ctx, v) => {
    await revokeApiKey(ctx.tenant.slug, v.id, ctx.actor);
    revalidatePath("/api-keys");
    return { revoked: v.id };
  },
);
