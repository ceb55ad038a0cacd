// Who is acting, and from where: attached to every audit row of a transaction.
import { z } from "zod";

// "operator": a platform operator, in the platform audit log and in a tenant's when the console acts on it.
export const actorTypes = ["user", "api_key", "system", "webhook", "anonymous", "operator"] as const;

export const auditContextSchema = z.object({
  actorType: z.enum(actorTypes),
  actorId: z.string().max(200).optional(),
  actorLabel: z.string().max(200).optional(),
  requestId: z.string().max(100).optional(),
  ip: z.string().max(64).optional(),
  userAgent: z.string().max(500).optional(),
});

export type AuditContext = z.infer<typeof auditContextSchema>;

/**
 * The statement that hands the context to the row-change triggers for the rest of the
 * transaction ($1: the context as JSON). Used by withAudit and by raw pg transactions.
 */
export const setAuditContextSql = "SELECT set_config('audit.context', $1, true)";

/** Validates a context and returns the parameter for setAuditContextSql. */
export function auditContextParam(ctx: AuditContext): string {
  return JSON.stringify(auditContextSchema.parse(ctx));
}

/** The context for work the platform does on its own (CLI, seed, scheduled jobs). */
export function systemContext(label: string): AuditContext {
  return { actorType: "system", actorLabel: label };
}
