// Input schemas of the operator console, one module: route handlers parse with these,
// once (query strings and JSON bodies alike refuse unknown fields).
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";
import { slugSchema } from "@/lib/tenancy/slug";
import { emailSchema, hostnameSchema, tenantNameSchema } from "@/lib/tenancy/tenant-input";

export const tenantStatuses = ["active", "suspended", "archived"] as const;

export const tenantSearchQuery = z
  .object({
    q: text().trim().max(textLimits.consoleQuery, `must be at most ${textLimits.consoleQuery} characters`).optional(),
    status: z.enum(tenantStatuses).optional(),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
  })
  .strict();
export type TenantSearchQuery = z.infer<typeof tenantSearchQuery>;

export const createTenantBody = z
  .object({
    slug: slugSchema,
    name: tenantNameSchema,
    // The console always creates a tenant with its owner, invited (no password).
    ownerEmail: emailSchema,
    /** A database cluster of DATABASE_CLUSTERS; default: the placement policy. */
    cluster: text()
      .trim()
      .max(64, "must be at most 64 characters")
      .regex(/^[a-z0-9_-]+$/, "must be a cluster name from DATABASE_CLUSTERS")
      .optional(),
  })
  .strict();

/** The path segment of POST /platform/api/tenants/{slug}/{action}. */
export const statusActionSchema = z.enum(["suspend", "resume", "archive"]);
export type StatusAction = z.infer<typeof statusActionSchema>;

export const slugParam = slugSchema;

export const addDomainBody = z
  .object({
    hostname: hostnameSchema,
    primary: z.boolean().optional(),
    /** Added as verified by the operator (routes at once); default: pending, with a TXT record to publish. */
    verified: z.boolean().optional(),
  })
  .strict();

export const hostnameParam = hostnameSchema;

/** The path segment of POST /platform/api/tenants/{slug}/domains/{hostname}/{action}. */
export const domainActionSchema = z.enum(["verify", "primary"]);

export const platformAuditQuery = z
  .object({
    before: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    action: text()
      .trim()
      .max(textLimits.consoleAction)
      .regex(/^[a-z0-9_.]*$/, "must be an action name or its start, such as tenant.")
      .optional(),
  })
  .strict();
