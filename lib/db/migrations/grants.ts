// Least privilege where a separate application role is used (DATABASE_APP_ROLE): the
// app may read the platform tables (and change a tenant's name, settings and custom
// domains, from the Settings page) and read and write tenant data, but may only
// INSERT and SELECT audit rows and never touch the chain head or retention anchors
// (the chain's trigger functions are SECURITY DEFINER). It owns nothing, so it can
// neither disable triggers nor change the schema. Migrations run as the owning role.
import type pg from "pg";
import { quoteIdent } from "@/lib/db/identifier";

// The operator console (app/platform): operator accounts and sessions, tenant status
// (domains are granted above), and the platform audit log, append-only like a tenant's (its chain head
// is written by the SECURITY DEFINER audit_seal only).
function platformConsoleGrants(r: string): string {
  return `GRANT SELECT, INSERT, UPDATE ON public.operators, public.operator_sessions TO ${r};
      GRANT UPDATE (status, updated_at) ON public.tenants TO ${r};
      GRANT USAGE ON SCHEMA platform_audit TO ${r};
      GRANT SELECT, INSERT ON platform_audit.audit_log TO ${r};
      GRANT SELECT ON platform_audit.audit_chain_head, platform_audit.audit_retention_anchor TO ${r};
      GRANT USAGE, SELECT ON SEQUENCE platform_audit.audit_log_seq_seq TO ${r};`;
}

export function appRoleGrantsSql(schema: string, role: string): string {
  const r = quoteIdent(role);
  if (schema === "public") {
    return `GRANT USAGE ON SCHEMA public TO ${r};
      GRANT SELECT ON public.tenants, public.domains TO ${r};
      GRANT UPDATE (name, settings, updated_at) ON public.tenants TO ${r};
      GRANT INSERT, UPDATE, DELETE ON public.domains TO ${r};
      ${platformConsoleGrants(r)}`;
  }
  const s = quoteIdent(schema);
  return `GRANT USAGE ON SCHEMA ${s} TO ${r};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r};
    REVOKE UPDATE, DELETE, TRUNCATE ON ${s}."audit_log" FROM ${r};
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${s}."audit_chain_head", ${s}."audit_retention_anchor" FROM ${r};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${r};`;
}

export async function grantAppRole(client: pg.ClientBase, schema: string, role: string | undefined): Promise<void> {
  if (role) await client.query(appRoleGrantsSql(schema, role));
}
