// Tenant SQL is compiled once for all tenants against a placeholder schema, then
// qualified for one tenant just before it is sent. The placeholder carries 128 random
// bits drawn at start-up: no input can know it, and Prisma puts values in parameters,
// never in the SQL text, so the only occurrences are the ones the compiler wrote.
import { randomBytes } from "node:crypto";
import { quoteIdent } from "./identifier";

/** The schema name the shared query compiler writes into every tenant query. */
// On globalThis: Next may load this module more than once, and every copy must agree.
const globalForPlaceholder = globalThis as unknown as { __tenantSchemaPlaceholder?: string };
export const tenantSchemaPlaceholder = (globalForPlaceholder.__tenantSchemaPlaceholder ??= `prisma_tenant_${randomBytes(16).toString("hex")}`);
const quotedPlaceholder = `"${tenantSchemaPlaceholder}"`;

/** `sql` with the placeholder schema replaced by the tenant's (validated, quoted) schema. */
export function qualifyForTenant(sql: string, schema: string): string {
  return sql.includes(quotedPlaceholder) ? sql.replaceAll(quotedPlaceholder, quoteIdent(schema)) : sql;
}

/** Whether `sql` still names the placeholder schema (it must never reach PostgreSQL). */
export function namesPlaceholder(sql: string): boolean {
  return sql.includes(tenantSchemaPlaceholder);
}
