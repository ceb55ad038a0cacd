// Tenant slugs are the only source of schema names, so they are validated before any
// SQL is built: lower-case letters, digits and hyphens, 2-40 chars, starting with a letter.
import { z } from "zod";
import { textLimits } from "@/lib/zod/limits";

/** Hostname labels the platform keeps for itself. */
export const reservedSlugs = new Set(["www", "api", "app", "admin", "platform", "static", "assets", "mail"]);

export const slugSchema = z
  .string()
  .regex(new RegExp(`^[a-z][a-z0-9-]{1,${textLimits.slug - 1}}$`), {
    error: `must be 2-${textLimits.slug} characters of lower-case letters, digits and hyphens, starting with a letter`,
    abort: true,
  })
  .refine((s) => !s.endsWith("-"), "must not end with a hyphen")
  .refine((s) => !reservedSlugs.has(s), "is reserved by the platform");

export function isValidSlug(value: string): boolean {
  return slugSchema.safeParse(value).success;
}

/** `acme-corp` -> `tenant_acme_corp`. Underscores never occur in slugs, so this is one-to-one. */
export function schemaNameFor(slug: string): string {
  const parsed = slugSchema.parse(slug);
  return `tenant_${parsed.replaceAll("-", "_")}`;
}
