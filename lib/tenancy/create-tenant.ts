// Creates a tenant: its row, its schema at the latest tenant migration and, optionally,
// its owner user, so a failed create leaves no schema and no row. On the `default`
// cluster that is ONE transaction. On another cluster the platform row (uncommitted,
// holding the slug) waits while the schema is built and committed on the tenant's
// cluster; then the row commits. If that last commit fails, the new schema is dropped
// again; a process killed exactly between the two commits leaves a schema without a row,
// which a later create of the slug reports (42P06) and `tenants drop` cannot see: drop
// it by hand (README, "Tenants on several clusters").
import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type pg from "pg";
import { auditContextParam, setAuditContextSql, systemContext, type AuditContext } from "@/lib/audit/context";
import { markAuditDirty } from "@/lib/audit/sealer-loop";
import { quoteIdent } from "@/lib/db/identifier";
import { applyToSchemaInTransaction } from "@/lib/db/migrations/apply";
import { loadMigrations, type MigrationFile } from "@/lib/db/migrations/files";
import { takeSharedLockInTransaction } from "@/lib/db/migrations/lock";
import { registerCluster } from "@/lib/db/cluster-registry";
import { clusterPool, DEFAULT_CLUSTER } from "@/lib/db/clusters";
import { ensureLedger } from "@/lib/db/migrations/ledger";
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
import { chooseCluster } from "./placement";
import { schemaNameFor } from "./slug";
import { createTenantInput, type CreateTenantInput } from "./tenant-input";
import type { TenantRecord } from "./tenant-record";

export interface CreateTenantOptions {
  /** Who creates the tenant, for the owner user's audit row (default: the platform). */
  actor?: AuditContext;
  tenantMigrations?: MigrationFile[];
  /** Test hook: runs inside the tenant cluster's transaction after the schema is built. */
  beforeCommit?: (client: pg.ClientBase) => Promise<void>;
  /** Runs in the platform transaction right after the tenant's row is written, whatever the cluster (the console's audit event). */
  inPlatformTransaction?: (client: pg.ClientBase) => Promise<void>;
  /** Test hook: runs in the platform transaction, after the tenant's schema committed on another cluster. */
  beforePlatformCommit?: (client: pg.ClientBase) => Promise<void>;
}

let cachedMigrations: MigrationFile[] | undefined;

export interface CreatedTenant extends TenantRecord {
  /** The database cluster its schema was created on. */
  cluster: string;
  /** When the owner was created without a password: the token of their invitation link (/invite/<token>). */
  ownerInvitationToken?: string;
}

export async function createTenant(raw: CreateTenantInput, options: CreateTenantOptions = {}): Promise<CreatedTenant> {
  const input = parseOrThrow(createTenantInput, raw, "tenant");
  const schemaName = schemaNameFor(input.slug);
  const migrations = options.tenantMigrations ?? (cachedMigrations ??= loadMigrations("tenant"));
  const record: CreatedTenant = { id: randomUUID(), slug: input.slug, name: input.name, status: "active", schemaName, cluster: DEFAULT_CLUSTER };
  if (input.ownerPassword !== undefined) {
    parseOrThrow(z.object({ ownerPassword: newPasswordSchema(input.ownerEmail) }), { ownerPassword: input.ownerPassword }, "tenant");
  }
  const passwordHash = input.ownerEmail && input.ownerPassword !== undefined ? await hashPassword(input.ownerPassword) : null;
  const invitationToken = randomBytes(32).toString("base64url");
  let platformCommitFailure: (() => Promise<void>) | undefined;

  // The tenant's schema, its ledger rows and its owner, on the connection of its cluster.
  const buildSchema = async (client: pg.ClientBase) => {
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
  };

  try {
    await withPgTransaction(getPool(), async (platform) => {
      await takeSharedLockInTransaction(platform);
      record.cluster = await chooseCluster(platform, input.cluster);
      await registerCluster(platform, record.cluster);
      await platform.query(
        `INSERT INTO public.tenants (id, slug, name, status, schema_name, cluster, settings, created_at, updated_at)
         VALUES ($1, $2, $3, 'active', $4, $5, $6, now(), now())`,
        [record.id, record.slug, record.name, schemaName, record.cluster, JSON.stringify(defaultTenantSettings())],
      );
      await options.inPlatformTransaction?.(platform);
      if (record.cluster === DEFAULT_CLUSTER) return buildSchema(platform);
      const pool = clusterPool(record.cluster);
      await prepareCluster(record.cluster, pool);
      await withPgTransaction(pool, async (client) => {
        await takeSharedLockInTransaction(client);
        await buildSchema(client);
      });
      try {
        await options.beforePlatformCommit?.(platform);
      } catch (err) {
        await dropBuiltSchema(pool, schemaName);
        throw err;
      }
      // The platform COMMIT runs after this returns; its failure is handled below.
      platformCommitFailure = () => dropBuiltSchema(pool, schemaName);
    });
  } catch (err) {
    await platformCommitFailure?.().catch(() => undefined);
    const code = (err as { code?: string }).code;
    if (code === "23505") throw new AppError("conflict", `A tenant with the slug "${input.slug}" already exists.`);
    if (code === "42P06") throw new AppError("conflict", `Schema ${schemaName} already exists without a tenant row; drop or rename it first.`);
    throw err;
  }
  if (input.ownerEmail) markAuditDirty(record.slug); // the owner's audit rows
  await mirrorTenant(record.slug, record.status);
  return record;
}

const preparedClusters = new Set<string>();

/** A tenant cluster keeps its own ledger of its schemas (public.schema_migrations); db:migrate makes it, and so does the first create there. */
async function prepareCluster(name: string, pool: pg.Pool): Promise<void> {
  if (preparedClusters.has(name)) return;
  const client = await pool.connect();
  try {
    await ensureLedger(client);
  } finally {
    client.release();
  }
  preparedClusters.add(name);
}

/** Undoes a schema committed on a tenant cluster whose platform row did not commit. */
async function dropBuiltSchema(pool: pg.Pool, schema: string): Promise<void> {
  await withPgTransaction(pool, async (client) => {
    await client.query("DELETE FROM public.schema_migrations WHERE schema_name = $1", [schema]);
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  });
}
