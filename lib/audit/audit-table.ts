// Schema-qualified names of a tenant's audit tables, built from a validated slug.
import { quoteIdent } from "@/lib/db/identifier";
import { schemaNameFor } from "@/lib/tenancy/slug";

export function auditTables(slug: string) {
  const schema = quoteIdent(schemaNameFor(slug));
  return {
    schema,
    log: `${schema}."audit_log"`,
    head: `${schema}."audit_chain_head"`,
    anchor: `${schema}."audit_retention_anchor"`,
  };
}
