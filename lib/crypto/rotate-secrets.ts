// Key rotation for secrets at rest (`npm run secrets:rotate`): every sealed value of
// every tenant (lib/crypto/sealed-columns.ts) whose key id is not the first key of
// ENCRYPTION_KEYS is opened with its own key and sealed again under the first one,
// with the same AAD, so the old key can then be removed.
//
// Per tenant and column, rows are read in id order in batches without locks; the
// batch's stale rows are then locked (SELECT ... FOR UPDATE) in one withAudit
// transaction, re-read, re-sealed and written back with an update guarded by the old
// ciphertext, so a value changed meanwhile (e.g. a webhook secret rotated by a user)
// is never overwritten. A value that does not open (unknown key id, tampered, not a
// sealed value) is reported by tenant, table, column and row id, never by value, and
// left alone. Running it again changes nothing.
//
// Audit: the row-change triggers redact these columns by name, so a re-seal is no
// visible change and writes no row-change audit row; each batch that re-seals records
// one explicit `secrets.reencrypted` event naming the column and row ids instead.
import { auditActions } from "@/lib/audit/actions";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { quoteIdent } from "@/lib/db/identifier";
import { platformDb } from "@/lib/db/platform-client";
import { tenantDb } from "@/lib/db/tenant-client";
import { serverEnv } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { listTenants } from "@/lib/tenancy/list-tenants";
import { schemaNameFor, slugSchema } from "@/lib/tenancy/slug";
import { open, seal, sealedKeyId, SecretBoxError } from "./secret-box";
import { sealedColumns, type SealedColumn } from "./sealed-columns";

/** The explicit audit action of a batch of re-sealed values. */
export const secretsReencryptedAction = auditActions.secretsReencrypted;
/** The actor label of the rotation's audit rows. */
export const rotationActor = "secrets:rotate";

export interface RotateOptions {
  /** Only these tenants (default: every tenant, whatever its status). */
  slugs?: readonly string[];
  /** Count what would be re-sealed (and what fails to open) without writing. */
  dryRun?: boolean;
  /** Rows read, and at most re-sealed, per transaction. */
  batchSize?: number;
  /** Called after each tenant, e.g. to print progress. */
  onTenant?: (report: TenantRotation) => void;
}

export interface RotationFailure {
  id: string;
  /** Why it did not open (SecretBoxError's message: never contains the value). */
  reason: string;
}

export interface ColumnRotation {
  table: string;
  column: string;
  /** Re-sealed under the newest key (in a dry run: would be). */
  rotated: number;
  /** Already sealed under the newest key (not opened). */
  current: number;
  failed: number;
  failures: RotationFailure[];
}

export interface TenantRotation {
  slug: string;
  columns: ColumnRotation[];
  /** Set when the tenant could not be processed at all (e.g. its schema is missing). */
  error?: string;
}

export interface RotationReport {
  keyId: string;
  dryRun: boolean;
  tenants: TenantRotation[];
  totals: { rotated: number; current: number; failed: number; tenantErrors: number };
  /** No value failed to open and no tenant failed. */
  ok: boolean;
}

const defaultBatchSize = 200;

interface Row {
  id: string;
  value: string | null;
}

function target(slug: string, col: SealedColumn) {
  const relation = `${quoteIdent(schemaNameFor(slug))}.${quoteIdent(col.table)}`;
  const column = quoteIdent(col.column);
  return {
    page: `SELECT "id"::text AS id, ${column} AS value FROM ${relation}
           WHERE ${column} IS NOT NULL AND ($1::uuid IS NULL OR "id" > $1::uuid) ORDER BY "id" LIMIT $2`,
    lock: `SELECT "id"::text AS id, ${column} AS value FROM ${relation} WHERE "id" = ANY($1::uuid[]) ORDER BY "id" FOR UPDATE`,
    update: `UPDATE ${relation} SET ${column} = $2 WHERE "id" = $1::uuid AND ${column} = $3`,
  };
}

function reason(err: unknown): string {
  if (err instanceof SecretBoxError) return err.message;
  // Anything else is a bug, not a bad value; its message is still safe (no value in it).
  return err instanceof Error ? `${err.name}: ${err.message}` : "unknown error";
}

/** Opens a value and seals it again under the newest key, or says why it did not open. */
function reseal(value: string, aad: string): { sealed: string } | { failure: string } {
  let plaintext: string;
  try {
    plaintext = open(value, aad);
  } catch (err) {
    return { failure: reason(err) };
  }
  return { sealed: seal(plaintext, aad) };
}

async function rotateColumn(slug: string, col: SealedColumn, keyId: string, dryRun: boolean, batchSize: number): Promise<ColumnRotation> {
  const result: ColumnRotation = { table: col.table, column: col.column, rotated: 0, current: 0, failed: 0, failures: [] };
  const fail = (id: string, why: string) => {
    result.failed++;
    result.failures.push({ id, reason: why });
  };
  const sql = target(slug, col);
  const db = tenantDb(slug);
  let after: string | null = null;
  for (;;) {
    const page: Row[] = await db.$queryRawUnsafe<Row[]>(sql.page, after, batchSize);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    const stale = page.filter((r) => r.value !== null && sealedKeyId(r.value) !== keyId);
    result.current += page.length - stale.length;
    if (stale.length === 0) continue;

    if (dryRun) {
      for (const row of stale) {
        const outcome = reseal(row.value!, col.aad(slug, row.id));
        if ("failure" in outcome) fail(row.id, outcome.failure);
        else result.rotated++;
      }
      continue;
    }

    const batch = await withAudit(slug, systemContext(rotationActor), async (tx, audit) => {
      const out = { rotated: [] as string[], current: 0, failures: [] as RotationFailure[], fromKeyIds: new Set<string>() };
      const locked = await tx.$queryRawUnsafe<Row[]>(
        sql.lock,
        stale.map((r) => r.id),
      );
      for (const row of locked) {
        if (row.value === null) continue; // cleared meanwhile: nothing to rotate
        const kid = sealedKeyId(row.value);
        if (kid === keyId) {
          out.current++; // re-sealed meanwhile by a writer under the newest key
          continue;
        }
        const outcome = reseal(row.value, col.aad(slug, row.id));
        if ("failure" in outcome) {
          out.failures.push({ id: row.id, reason: outcome.failure });
          continue;
        }
        // The row is locked, so the guard always matches; it is there so that a
        // change by anyone else can never be overwritten, whatever the locking.
        const changed = await tx.$executeRawUnsafe(sql.update, row.id, outcome.sealed, row.value);
        if (changed !== 1) {
          out.failures.push({ id: row.id, reason: "changed while being rotated; run again" });
          continue;
        }
        out.rotated.push(row.id);
        if (kid) out.fromKeyIds.add(kid);
      }
      if (out.rotated.length > 0) {
        await audit.record({
          action: secretsReencryptedAction,
          targetType: "sealed_column",
          targetId: `${col.table}.${col.column}`,
          summary: `${out.rotated.length} value(s) of ${col.table}.${col.column} re-encrypted under key ${keyId} by ${rotationActor}`,
          metadata: { table: col.table, column: col.column, keyId, fromKeyIds: [...out.fromKeyIds].sort(), rows: out.rotated },
        });
      }
      return out;
    });
    result.rotated += batch.rotated.length;
    result.current += batch.current;
    for (const f of batch.failures) fail(f.id, f.reason);
  }
  return result;
}

async function tenantSlugs(slugs: readonly string[] | undefined): Promise<string[]> {
  if (!slugs) return (await listTenants()).map((t) => t.slug);
  const wanted = [...new Set(slugs.map((s) => slugSchema.parse(s)))];
  const found = new Set((await platformDb().tenant.findMany({ where: { slug: { in: wanted } }, select: { slug: true } })).map((t) => t.slug));
  const missing = wanted.filter((s) => !found.has(s));
  if (missing.length) throw new AppError("not_found", `No tenant with the slug ${missing.map((s) => `"${s}"`).join(", ")}.`);
  return wanted.sort();
}

/** Re-seals every sealed value not under the newest key of ENCRYPTION_KEYS. */
export async function rotateSecrets(options: RotateOptions = {}): Promise<RotationReport> {
  const dryRun = options.dryRun ?? false;
  const batchSize = options.batchSize ?? defaultBatchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new AppError("bad_request", "The batch size must be a whole number from 1 to 10000.");
  const keyId = serverEnv().ENCRYPTION_KEYS[0]!.kid;
  const report: RotationReport = { keyId, dryRun, tenants: [], totals: { rotated: 0, current: 0, failed: 0, tenantErrors: 0 }, ok: true };

  for (const slug of await tenantSlugs(options.slugs)) {
    const tenant: TenantRotation = { slug, columns: [] };
    try {
      for (const col of sealedColumns) tenant.columns.push(await rotateColumn(slug, col, keyId, dryRun, batchSize));
    } catch (err) {
      // One broken tenant (e.g. dropped while this runs) does not stop the others.
      tenant.error = err instanceof Error ? err.message : String(err);
      report.totals.tenantErrors++;
    }
    for (const c of tenant.columns) {
      report.totals.rotated += c.rotated;
      report.totals.current += c.current;
      report.totals.failed += c.failed;
    }
    report.tenants.push(tenant);
    options.onTenant?.(tenant);
  }
  report.ok = report.totals.failed === 0 && report.totals.tenantErrors === 0;
  return report;
}
