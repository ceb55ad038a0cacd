// Creates a tenant: its row, its schema at the latest tenant migration and, optionally,
// its owner user, in ONE transaction, so a failed create leaves no schema and no row.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { auditContextParam, setAuditContextSql, systemContext, type AuditContext } from "@/lib/audit/context";
import { quoteIdent } from "@/lib/db/identifier";
import { applyToSchemaInTransaction } from "@/lib/db/migrations/apply";
import { loadMigrations, type MigrationFile } from "@/lib/db/migrations/files";
import { takeSharedLockInTransaction } from "@/lib/db/migrations/lock";
import { getPool } from "@/lib/db/pool";
import { withPgTransaction } from "@/lib/db/transaction";
import { serverEnv } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { mirrorTenant } from "./mirror";
import { defaultTenantSettings } from "./settings";
import { schemaNameFor } from "./slug";
import { createTenantInput, type CreateTenantInput } from "./tenant-input";
import type { TenantRecord } from "./tenant-record";

export interface CreateTenantOptions {
  /** Who creates the tenant, for the owner user's audit row (default: the platform). */
  actor?: AuditContext;
  tenantMigrations?: MigrationFile[];
  /** Test hook: runs inside the transaction after the schema is built. */
  beforeCommit?: (client: pg.ClientBase) => Promise<void>;
}

let cachedMigrations: MigrationFile[] | undefined;

export async function createTenant(raw: CreateTenantInput, options: CreateTenantOptions = {}): Promise<TenantRecord> {
  const input = parseOrThrow(createTenantInput, raw, "tenant");
  const schemaName = schemaNameFor(input.slug);
  const migrations = options.tenantMigrations ?? (cachedMigrations ??= loadMigrations("tenant"));
  const record: TenantRecord = { id: randomUUID(), slug: input.slug, name: input.name, status: "active", schemaName };

  try {
    await withPgTransaction(getPool(), async (client) => {
      await takeSharedLockInTransaction(client);
      await client.query(
        `INSERT INTO public.tenants (id, slug, name, status, schema_name, settings, created_at, updated_at)
         VALUES ($1, $2, $3, 'active', $4, $5, now(), now())`,
        [record.id, record.slug, record.name, schemaName, JSON.stringify(defaultTenantSettings())],
      );
      await applyToSchemaInTransaction(client, schemaName, migrations, { createSchema: true, appRole: serverEnv().DATABASE_APP_ROLE });
      if (input.ownerEmail) {
        // Tenant writes are audited by trigger and need an audit context (see lib/audit).
        await client.query(setAuditContextSql, [auditContextParam(options.actor ?? systemContext("platform"))]);
        await client.query(
          `INSERT INTO ${quoteIdent(schemaName)}.users (id, email, name, created_at, updated_at) VALUES ($1, $2, $3, now(), now())`,
          [randomUUID(), input.ownerEmail, "Owner"],
        );
      }
      await options.beforeCommit?.(client);
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "23505") throw new AppError("conflict", `A tenant with the slug "${input.slug}" already exists.`);
    if (code === "42P06") throw new AppError("conflict", `Schema ${schemaName} already exists without a tenant row; drop or rename it first.`);
    throw err;
  }
  await mirrorTenant(record.slug, record.status);
  return record;
}
