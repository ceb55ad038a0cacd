// `migrate_schemas`, done fast: one ledger query finds what every schema lacks, so a
// run with nothing to apply costs milliseconds however many tenants there are. Platform
// first, then tenants with bounded parallelism; a failing tenant is reported and the
// others go on; the next run resumes where each schema stopped.
import type pg from "pg";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { schemaNameFor, slugSchema } from "@/lib/tenancy/slug";
import { applyToSchema } from "./apply";
import { loadMigrations, type MigrationFile } from "./files";
import { ensureLedger, readLedger } from "./ledger";
import { withPgTransaction } from "@/lib/db/transaction";
import { grantAppRole } from "./grants";
import { acquireMigrationLock, releaseMigrationLock } from "./lock";

export interface SchemaResult {
  schema: string;
  slug?: string;
  applied: string[];
  error?: string;
}

export interface MigrationReport {
  platform: SchemaResult;
  tenants: SchemaResult[];
  tenantCount: number;
  failed: number;
  durationMs: number;
}

export interface MigrateOptions {
  concurrency: number;
  /** The least-privilege application role to grant new tables to (DATABASE_APP_ROLE). */
  appRole?: string;
  /** Re-apply the application role's grants on every schema, migrated or not. */
  regrant?: boolean;
  /** How long to wait for another run's lock before giving up. */
  lockWaitMs?: number;
  platformMigrations?: MigrationFile[];
  tenantMigrations?: MigrationFile[];
  /** Only these tenant slugs (default: all). */
  slugs?: string[];
  onTenantDone?: (result: SchemaResult) => void;
}

/** Migrations in the ledger whose file changed or disappeared: refuse to go on. */
function findDrift(ledger: Map<string, Map<string, string>>, schema: string, files: MigrationFile[]): string[] {
  const applied = ledger.get(schema);
  if (!applied) return [];
  const byName = new Map(files.map((f) => [f.name, f.checksum]));
  const problems: string[] = [];
  for (const [name, checksum] of applied) {
    const current = byName.get(name);
    if (current === undefined) problems.push(`${schema}: applied migration ${name} is missing from disk`);
    else if (current !== checksum)
      problems.push(
        `${schema}: migration ${name} was edited after it was applied (checksum ${checksum.slice(0, 12)}… in the ledger, ${current.slice(0, 12)}… on disk)`,
      );
  }
  return problems;
}

function pendingFor(ledger: Map<string, Map<string, string>>, schema: string, files: MigrationFile[]): MigrationFile[] {
  const applied = ledger.get(schema);
  return applied ? files.filter((f) => !applied.has(f.name)) : files;
}

async function runBounded<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(workers);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function migrateAll(pool: pg.Pool, options: MigrateOptions): Promise<MigrationReport> {
  const started = performance.now();
  options.slugs?.forEach((slug) => parseOrThrow(slugSchema, slug, "tenant slug"));
  const platformFiles = options.platformMigrations ?? loadMigrations("platform");
  const tenantFiles = options.tenantMigrations ?? loadMigrations("tenant");
  const lockClient = await pool.connect();
  try {
    await acquireMigrationLock(lockClient, options.lockWaitMs ?? 0);
    try {
      await ensureLedger(lockClient);
      let ledger = await readLedger(lockClient);

      // Validate every schema in the ledger before applying anything anywhere.
      // (With --tenant, only the schemas this run would touch.)
      const inScope = options.slugs ? new Set(["public", ...options.slugs.map(schemaNameFor)]) : null;
      const drift = [...ledger.keys()]
        .filter((schema) => !inScope || inScope.has(schema))
        .flatMap((schema) => findDrift(ledger, schema, schema === "public" ? platformFiles : tenantFiles));
      if (drift.length) {
        const shown = drift.slice(0, 10).join("\n  ");
        const more = drift.length > 10 ? `\n  … and ${drift.length - 10} more` : "";
        throw new AppError("conflict", `Refusing to migrate:\n  ${shown}${more}`);
      }
      const platformPending = pendingFor(ledger, "public", platformFiles);
      // The platform must be current before tenants are listed or touched.
      await applyToSchema(pool, "public", platformPending, options.appRole);
      const platform: SchemaResult = { schema: "public", applied: platformPending.map((m) => m.name) };
      if (platformPending.length) ledger = await readLedger(lockClient);

      const { rows: allTenants } = await lockClient.query<{ slug: string; schema_name: string }>("SELECT slug, schema_name FROM public.tenants ORDER BY slug");
      const wanted = options.slugs ? new Set(options.slugs) : null;
      const tenants = wanted ? allTenants.filter((t) => wanted.has(t.slug)) : allTenants;
      if (wanted) {
        const known = new Set(allTenants.map((t) => t.slug));
        const unknown = [...wanted].filter((s) => !known.has(s));
        if (unknown.length) throw new AppError("not_found", `Unknown tenant(s): ${unknown.join(", ")}`);
      }

      const results: SchemaResult[] = [];
      const work = tenants.map((t) => ({ tenant: t, pending: pendingFor(ledger, t.schema_name, tenantFiles) })).filter((w) => w.pending.length > 0);
      await runBounded(work, options.concurrency, async ({ tenant, pending }) => {
        const result: SchemaResult = { schema: tenant.schema_name, slug: tenant.slug, applied: [] };
        try {
          await applyToSchema(pool, tenant.schema_name, pending, options.appRole);
          result.applied = pending.map((m) => m.name);
        } catch (err) {
          result.error = describe(err);
        }
        results.push(result);
        options.onTenantDone?.(result);
      });

      if (options.regrant && options.appRole) {
        const role = options.appRole;
        await withPgTransaction(pool, (client) => grantAppRole(client, "public", role));
        await runBounded(tenants, options.concurrency, async (t) => {
          try {
            await withPgTransaction(pool, (client) => grantAppRole(client, t.schema_name, role));
          } catch (err) {
            const failed: SchemaResult = { schema: t.schema_name, slug: t.slug, applied: [], error: `grants: ${describe(err)}` };
            results.push(failed);
            options.onTenantDone?.(failed);
          }
        });
      }

      return {
        platform,
        tenants: results.sort((a, b) => a.schema.localeCompare(b.schema)),
        tenantCount: tenants.length,
        failed: results.filter((r) => r.error).length,
        durationMs: Math.round(performance.now() - started),
      };
    } finally {
      await releaseMigrationLock(lockClient);
    }
  } finally {
    lockClient.release();
  }
}
