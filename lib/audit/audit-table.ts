// Schema-qualified names of an audit log's tables: a tenant's (from its validated slug)
// or the platform's (platform_audit, the operator console's log). Both schemas hold the
// same tables and database functions, so the chain code here serves either.
import { quoteIdent } from "@/lib/db/identifier";
import { schemaNameFor } from "@/lib/tenancy/slug";

/** An audit log that is not a tenant's: a fixed schema and the name exports carry. */
export interface AuditLogSchema {
  schemaName: string;
  label: string;
}

/** A tenant's slug, or a non-tenant audit log. */
export type AuditLogRef = string | AuditLogSchema;

/** The platform audit log: every operator action (prisma/migrations/platform/*_platform_audit.sql). */
export const platformAuditLog: AuditLogSchema = Object.freeze({ schemaName: "platform_audit", label: "@platform" });

/** The name an export or a report gives the log (the tenant's slug, or "@platform"). */
export function auditLogLabel(ref: AuditLogRef): string {
  return typeof ref === "string" ? ref : ref.label;
}

export function auditTables(ref: AuditLogRef) {
  const schema = quoteIdent(typeof ref === "string" ? schemaNameFor(ref) : ref.schemaName);
  return {
    schema,
    log: `${schema}."audit_log"`,
    head: `${schema}."audit_chain_head"`,
    anchor: `${schema}."audit_retention_anchor"`,
  };
}
