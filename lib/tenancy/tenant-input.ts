// Input schemas for tenant lifecycle operations, shared by the CLI and any future UI.
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";
import { slugSchema } from "./slug";

export const tenantNameSchema = text().trim().min(1, "must not be empty").max(textLimits.name, `must be at most ${textLimits.name} characters`);

export const emailSchema = text().trim().toLowerCase().max(textLimits.email).pipe(z.email("must be an email address"));

export const createTenantInput = z.object({
  slug: slugSchema,
  name: tenantNameSchema,
  ownerEmail: emailSchema.optional(),
  /** Without it, the owner is invited: createTenant returns the invitation token. */
  ownerPassword: text().max(textLimits.password).optional(),
  /** The database cluster (DATABASE_CLUSTERS) for its schema; default: the placement policy (TENANT_PLACEMENT). */
  cluster: z.string().max(64).optional(),
});
export type CreateTenantInput = z.input<typeof createTenantInput>;

export const hostnameSchema = text()
  .trim()
  .toLowerCase()
  .max(textLimits.hostname)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/, "must be a fully qualified hostname such as app.example.com");
