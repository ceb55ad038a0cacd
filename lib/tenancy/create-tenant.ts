// Creates a tenant: its row, its schema at the latest tenant migration and, optionally,
// its owner user, in ONE transaction, so a failed create leaves no schema and no row.
import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type pg from "pg";
import { auditContextParam, setAuditContextSql, systemContext, type AuditContext } from "@/lib/audit/context";
import { markAuditDirty } from "@/lib/audit/sealer-loop";
import { quoteIdent } from "@/lib/db/identifier";
import { applyToSchemaInTransaction } from "@/lib/db/migrations/apply";
import { loadMigrations, type MigrationFile } from "@/lib/db/migrations/files";
import { takeSharedLockInTransaction } from "@/lib/db/migrations/lock";
import { getPool } from "@/lib/db/pool";
import { withPgTransaction } from "@/lib/db/transaction";
import { serverEnv } from "@/lib/env";
import { newPasswordSchema } from "@/lib/auth/password-policy";
import { hashPassword } from "@/lib/auth/passwords";
import { sha256Hex } from "@/lib/crypto/compare";
import { AppError } from "@/lib/errors/app-error";
import { invitationTtlMs } from "@/lib/members/invitation-ttl";
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

export interface CreatedTenant extends TenantRecord {
  /** When the owner was created without a password: the token of their invitation link (/invite/<token>). */
  ownerInvitationToken?: string;
}

export async function createTenant(raw: CreateTenantInput, options: CreateTenantOptions = {}): Promise<CreatedTenant> {
  const input = parseOrThrow(createTenantInput, raw, "tenant");
  const schemaName = schemaNameFor(input.slug);
  const migrations = options.tenantMigrations ?? (cachedMigrations ??= loadMigrations("tenant"));
  const record: CreatedTenant = { id: randomUUID(), slug: input.slug, name: input.name, status: "active", schemaName };
  if (input.ownerPassword !== undefined) {
    parseOrThrow(z.object({ ownerPassword: newPasswordSchema(input.ownerEmail) }), { ownerPassword: input.ownerPassword }, "tenant");
  }
  const passwordHash = input.ownerEmail && input.ownerPassword !== undefined ? await hashPassword(input.ownerPassword) : null;
  const invitationToken = randomBytes(32).toString("base64url");

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
        const ownerId = randomUUID();
        await client.query(
          `INSERT INTO ${quoteIdent(schemaName)}.users (id, email, name, role, status, password_hash, password_changed_at, created_at, updated_at)
           VALUES ($1, $2, $3, 'owner', $4, $5, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END, now(), now())`,
          [ownerId, input.ownerEmail, "Owner", passwordHash ? "active" : "invited", passwordHash],
        );
        if (!passwordHash) {
          await client.query(
            `INSERT INTO ${quoteIdent(schemaName)}.invitations (id, user_id, token_hash, created_at, expires_at)
             VALUES ($1, $2, $3, now(), now() + make_interval(secs => $4))`,
            [randomUUID(), ownerId, sha256Hex(invitationToken), invitationTtlMs / 1000],
          );
          record.ownerInvitationToken = invitationToken;
        }
      }
      await options.beforeCommit?.(client);
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "23505") throw new AppError("conflict", `A tenant with the slug "${input.slug}" already exists.`);
    if (code === "42P06") throw new AppError("conflict", `Schema ${schemaName} already exists without a tenant row; drop or rename it first.`);
    throw err;
  }
  if (input.ownerEmail) markAuditDirty(record.slug); // the owner's audit rows
  await mirrorTenant(record.slug, record.status);
  return record;
}
