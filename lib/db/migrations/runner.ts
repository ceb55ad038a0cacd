// `migrate_schemas`, done fast: one ledger query per cluster finds what every schema
// lacks, so a run with nothing to apply costs milliseconds however many tenants there
// are. Platform first, then the tenants of every cluster (clusters in parallel, bounded
// parallelism within each); a failing tenant is reported and the others go on; a cluster
// that cannot be reached is reported and the others go on; the next run resumes where
// each schema stopped.
//
// Every cluster keeps the ledger of its own schemas (public.schema_migrations there), so
// a schema's DDL and its ledger rows commit in one transaction, and takes its own
// advisory lock for the run (the platform's, on `default`, also guards the platform).
import type pg from "pg";
import { clusterNames, clusterPool, DEFAULT_CLUSTER } from "@/lib/db/clusters";
import { registerCluster } from "@/lib/db/cluster-registry";
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

export interface ClusterResult {
  name: string;
  /** Tenant schemas of this run placed on the cluster. */
  tenantCount: number;
  migrated: number;
  failed: number;
  /** Its own part of the run: connecting, locking and reading its ledger (other clusters; the platform cluster does that with the platform), then its schemas. */
  durationMs: number;
  /** The cluster could not be reached or locked: none of its schemas were checked. */
  error?: string;
}

export interface MigrationReport {
  platform: SchemaResult;
  tenants: SchemaResult[];
  clusters: ClusterResult[];
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
  /** Tenant clusters (default: every configured one; `default` is always the pool given to migrateAll). */
  clusters?: string[];
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

interface ClusterRun {
  name: string;
  pool: pg.Pool;
  lockClient?: pg.PoolClient;
  ledger?: Map<string, Map<string, string>>;
  error?: string;
  /** Connecting, locking and reading the ledger. */
  openMs?: number;
}

/** Connects, locks and reads the ledger of one tenant cluster; a cluster that fails is marked, not thrown. */
async function openCluster(run: ClusterRun, lockWaitMs: number): Promise<void> {
  const started = performance.now();
  try {
    await openClusterTimed(run, lockWaitMs);
  } finally {
    run.openMs = performance.now() - started;
  }
}

async function openClusterTimed(run: ClusterRun, lockWaitMs: number): Promise<void> {
  try {
    run.lockClient = await run.pool.connect();
  } catch (err) {
    run.error = `unreachable: ${describe(err)}`;
    return;
  }
  try {
    await ensureLedger(run.lockClient);
    await acquireMigrationLock(run.lockClient, lockWaitMs);
  } catch (err) {
    run.lockClient.release();
    run.lockClient = undefined;
    if (err instanceof AppError) throw new AppError(err.code, `cluster ${run.name}: ${err.message}`);
    run.error = `unreachable: ${describe(err)}`;
    return;
  }
  try {
    run.ledger = await readLedger(run.lockClient);
  } catch (err) {
    run.error = describe(err);
  }
}

async function closeCluster(run: ClusterRun): Promise<void> {
  if (!run.lockClient) return;
  try {
    await releaseMigrationLock(run.lockClient);
    run.lockClient.release();
  } catch (err) {
    // A lost session released its lock with it.
    run.lockClient.release(err instanceof Error ? err : true);
  }
  run.lockClient = undefined;
}

export async function migrateAll(pool: pg.Pool, options: MigrateOptions): Promise<MigrationReport> {
  const started = performance.now();
  options.slugs?.forEach((slug) => parseOrThrow(slugSchema, slug, "tenant slug"));
  const platformFiles = options.platformMigrations ?? loadMigrations("platform");
  const tenantFiles = options.tenantMigrations ?? loadMigrations("tenant");
  const names = options.clusters ?? clusterNames();
  const runs: ClusterRun[] = names.filter((n) => n !== DEFAULT_CLUSTER).map((name) => ({ name, pool: clusterPool(name) }));
  const lockWaitMs = options.lockWaitMs ?? 0;
  const lockClient = await pool.connect();
  try {
    // Outside the lock's transaction: the runs' other connections must see the table.
    await ensureLedger(lockClient);
    await acquireMigrationLock(lockClient, lockWaitMs);
    try {
      let ledger = await readLedger(lockClient);
      await Promise.all(runs.map((run) => openCluster(run, lockWaitMs)));

      // Validate every schema in every reachable ledger before applying anything anywhere.
      // (With --tenant, only the schemas this run would touch.)
      const inScope = options.slugs ? new Set(["public", ...options.slugs.map(schemaNameFor)]) : null;
      const driftIn = (l: Map<string, Map<string, string>>, where: string) =>
        [...l.keys()]
          .filter((schema) => !inScope || inScope.has(schema))
          .flatMap((schema) => findDrift(l, schema, schema === "public" ? platformFiles : tenantFiles).map((p) => `${where}${p}`));
      const drift = [...driftIn(ledger, ""), ...runs.flatMap((r) => (r.ledger ? driftIn(r.ledger, `cluster ${r.name}: `) : []))];
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
      // Autocommit on the pool: the lock's transaction only reads.
      for (const name of names) await registerCluster(pool, name);

      const { rows: allTenants } = await lockClient.query<{ slug: string; schema_name: string; cluster: string }>(
        "SELECT slug, schema_name, cluster FROM public.tenants ORDER BY slug",
      );
      const wanted = options.slugs ? new Set(options.slugs) : null;
      const tenants = wanted ? allTenants.filter((t) => wanted.has(t.slug)) : allTenants;
      if (wanted) {
        const known = new Set(allTenants.map((t) => t.slug));
        const unknown = [...wanted].filter((s) => !known.has(s));
        if (unknown.length) throw new AppError("not_found", `Unknown tenant(s): ${unknown.join(", ")}`);
      }
      const unconfigured = [...new Set(tenants.map((t) => t.cluster))].filter((c) => !names.includes(c));
      if (unconfigured.length) {
        throw new AppError(
          "conflict",
          `Tenants live on database cluster(s) missing from configuration: ${unconfigured.join(", ")}. Add them to DATABASE_CLUSTERS (configured: ${names.join(", ")}).`,
        );
      }

      const all: ClusterRun[] = [{ name: DEFAULT_CLUSTER, pool, ledger }, ...runs].filter((r) => names.includes(r.name));
      const results: SchemaResult[] = [];
      const clusters: ClusterResult[] = await Promise.all(
        all.map(async (run) => {
          const clusterStarted = performance.now();
          const mine = tenants.filter((t) => t.cluster === run.name);
          const summary: ClusterResult = { name: run.name, tenantCount: mine.length, migrated: 0, failed: 0, durationMs: 0 };
          if (run.error || !run.ledger) {
            summary.error = run.error ?? "no ledger";
            summary.failed = mine.length;
            return summary;
          }
          const runLedger = run.ledger;
          const done = (result: SchemaResult) => {
            results.push(result);
            if (result.error) summary.failed++;
            else if (result.applied.length) summary.migrated++;
            options.onTenantDone?.(result);
          };
          const work = mine.map((t) => ({ tenant: t, pending: pendingFor(runLedger, t.schema_name, tenantFiles) })).filter((w) => w.pending.length > 0);
          await runBounded(work, options.concurrency, async ({ tenant, pending }) => {
            const result: SchemaResult = { schema: tenant.schema_name, slug: tenant.slug, applied: [] };
            try {
              await applyToSchema(run.pool, tenant.schema_name, pending, options.appRole);
              result.applied = pending.map((m) => m.name);
            } catch (err) {
              result.error = describe(err);
            }
            done(result);
          });
          if (options.regrant && options.appRole) {
            const role = options.appRole;
            if (run.name === DEFAULT_CLUSTER) await withPgTransaction(pool, (client) => grantAppRole(client, "public", role));
            await runBounded(mine, options.concurrency, async (t) => {
              try {
                await withPgTransaction(run.pool, (client) => grantAppRole(client, t.schema_name, role));
              } catch (err) {
                done({ schema: t.schema_name, slug: t.slug, applied: [], error: `grants: ${describe(err)}` });
              }
            });
          }
          summary.durationMs = Math.round(performance.now() - clusterStarted + (run.openMs ?? 0));
          return summary;
        }),
      );

      return {
        platform,
        tenants: results.sort((a, b) => a.schema.localeCompare(b.schema)),
        clusters,
        tenantCount: tenants.length,
        failed: results.filter((r) => r.error).length + clusters.filter((c) => c.error).reduce((n, c) => n + c.tenantCount, 0),
        durationMs: Math.round(performance.now() - started),
      };
    } finally {
      await Promise.all(runs.map(closeCluster));
      await releaseMigrationLock(lockClient);
    }
  } finally {
    lockClient.release();
  }
}
