// Moves a tenant's schema and all its data to another PostgreSQL cluster while it stays
// writable; only the final catch-up holds it read-only. The steps, each recorded in
// public.tenant_moves before the next begins:
//   target-created  the schema built on the target at the latest migration
//   copied          a full copy from one source snapshot; the copied chain verifies
//   caught-up       rounds of "what changed since the last snapshot" until a round is small
//   held            the source refuses writes (./write-hold.ts)
//   final-copied    the last changes, the sequences and the seal point
//   switched        placement -> target, in one platform transaction; every instance told
//   verified        the whole audit chain verifies on the target (sealed there first)
//   source-dropped  the old copy is gone, once no instance can still be using it
// Before `switched` a failure (or a kill, on the rerun) puts everything back: the hold is
// lifted, the target copy dropped, the tenant stays where it was, writable. From
// `switched` on the tenant is on the target, and a rerun finishes the remaining steps.
import { hostname } from "node:os";
import type pg from "pg";
import { z } from "zod";
import { systemContext } from "@/lib/audit/context";
import { auditActions } from "@/lib/audit/actions";
import { recordOnPool } from "@/lib/audit/record";
import { verifyChain } from "@/lib/audit/verify-chain";
import { UNSUBSCRIBED_TTL_MS } from "@/lib/cache/invalidation-bus";
import { loadMigrations } from "@/lib/db/migrations/files";
import { getPool } from "@/lib/db/pool";
import { withPgTransaction } from "@/lib/db/transaction";
import { clusterNameSchema, serverEnv } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { slugSchema } from "@/lib/tenancy/slug";
import { assertConfiguredCluster, clusterPool, invalidatePlacement, registerCluster } from "./cluster-access";
import { copyRound, type RoundResult } from "./copy-round";
import { takeMoveLock } from "./move-lock";
import { recordStep, startMoveRecord, unfinishedMove, type MoveRecord } from "./move-record";
import { assertSameShape, readTenantTables } from "./tenant-tables";
import { assertAtLatestMigration, createSchemaAtLatest, dropSchemaWithLedger, ledgerFingerprint, schemaExists } from "./tenant-schema";
import { installWriteHold, removeWriteHold } from "./write-hold";
import { log } from "@/lib/observability/logger";
import { recordPlatformEvent, sealPlatformAudit } from "@/lib/platform-audit/record";

export const moveSteps = ["target-created", "copied", "caught-up", "held", "final-copied", "switched", "verified", "source-dropped"] as const;
export type MoveStep = (typeof moveSteps)[number];

export const moveInput = z.object({
  slug: slugSchema,
  to: clusterNameSchema,
});

export interface MoveOptions {
  slug: string;
  to: string;
  /** Who runs it, for the record (default: the user and host). */
  startedBy?: string;
  /** After each recorded step: progress output, and fault drills (the CLI's --pause-after). */
  onStep?: (step: MoveStep, figures: Record<string, unknown>) => Promise<void> | void;
  /** An abort before the switch puts everything back, as a failure does. */
  signal?: AbortSignal;
  /** How long taking the hold may wait for a tenant's running write transactions. */
  holdLockTimeoutMs?: number;
  /** Catch-up rounds stop once a round copies fewer rows than this. */
  smallRoundRows?: number;
  /** After the switch, how long until no instance can still be using its old placement. */
  settleMs?: number;
}

export interface MoveOutcome {
  moveId: string;
  slug: string;
  from: string;
  to: string;
  /** Read-only time: from taking the hold to every instance told of the switch. */
  holdMs: number | null;
  rowsCopied: number;
  rounds: number;
  /** What the run did first about an earlier, interrupted move. */
  recovered?: string;
}

interface TenantRow {
  id: string;
  slug: string;
  status: string;
  schema_name: string;
  cluster: string;
}

async function loadTenant(db: pg.Pool, slug: string): Promise<TenantRow> {
  const { rows } = await db.query<TenantRow>("SELECT id, slug, status::text AS status, schema_name, cluster FROM public.tenants WHERE slug = $1", [slug]);
  if (!rows[0]) throw new AppError("not_found", `No tenant with the slug "${slug}".`);
  return rows[0];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface Ctx {
  platform: pg.Pool;
  options: MoveOptions;
  record: MoveRecord;
  schema: string;
  lastStep: string;
}

async function step(
  ctx: Ctx,
  name: MoveStep,
  figures: Record<string, unknown> = {},
  change: Parameters<typeof recordStep>[4] = {},
  db?: pg.ClientBase,
): Promise<void> {
  await recordStep(db ?? ctx.platform, ctx.record.id, name, figures, change);
  ctx.lastStep = name;
  if (!db) await ctx.options.onStep?.(name, figures);
}

/** From `switched` on: verify the target's chain, wait out stale placements, drop the old copy. */
async function finishMove(ctx: Ctx): Promise<void> {
  const { record, schema } = ctx;
  const target = clusterPool(record.targetCluster);
  const report = await verifyChain(target, record.slug, { seal: true, sealTimeoutMs: 10_000 });
  if (!report.ok) {
    const why = `the audit chain does not verify on ${record.targetCluster}: ${report.firstBroken?.problem ?? "unknown"}`;
    await recordStep(ctx.platform, record.id, "verify-failed", { rowsChecked: report.rowsChecked }, { state: "failed", error: why, finished: true });
    throw new AppError(
      "internal",
      `Move of ${record.slug}: ${why}. The tenant is served from ${record.targetCluster}; its old copy on ${record.sourceCluster} is kept (read-only) for inspection.`,
    );
  }
  await step(ctx, "verified", { rowsChecked: report.rowsChecked, lastSeq: report.lastSeq });
  // An instance that missed the invalidation serves its old placement for at most the
  // bus's bound; its writes meanwhile are refused by the hold, its reads must still work.
  await sleep(ctx.options.settleMs ?? 2 * UNSUBSCRIBED_TTL_MS);
  await dropSchemaWithLedger(clusterPool(record.sourceCluster), schema);
  await step(ctx, "source-dropped");
  // The tenant's own audit log says where its data went (written on the target, sealed there).
  await recordOnPool(target, record.slug, systemContext("platform"), {
    action: auditActions.tenantMoved,
    targetType: "tenant",
    targetId: record.tenantId,
    summary: `tenant data moved from cluster ${record.sourceCluster} to ${record.targetCluster}`,
    metadata: { moveId: record.id, from: record.sourceCluster, to: record.targetCluster, holdMs: record.holdMs },
  }).catch((err: unknown) =>
    log().warn({ component: "move", tenant: record.slug, reason: describe(err) }, "could not record the move in the tenant's audit log"),
  );
  await recordStep(ctx.platform, record.id, "done", {}, { state: "done", finished: true });
}

/** Before `switched`: put everything back. The tenant stays on its source, writable. */
async function abandonMove(ctx: Ctx, why: string): Promise<void> {
  const { record, schema } = ctx;
  await removeWriteHold(clusterPool(record.sourceCluster), schema);
  if (record.targetCreated) await dropSchemaWithLedger(clusterPool(record.targetCluster), schema);
  await withPgTransaction(ctx.platform, async (client) => {
    await recordStep(client, record.id, "abandoned", {}, { state: "failed", error: why, finished: true });
    // A failed move is in the platform audit log too, with why.
    await recordPlatformEvent(client, systemContext("platform"), {
      action: auditActions.tenantMoveFailed,
      targetType: "tenant",
      targetId: record.tenantId,
      summary: `moving tenant ${record.slug} from cluster ${record.sourceCluster} to ${record.targetCluster} failed; it stays on ${record.sourceCluster}`,
      metadata: { moveId: record.id, slug: record.slug, from: record.sourceCluster, to: record.targetCluster, error: why.slice(0, 500) },
    });
  });
  await sealPlatformAudit(ctx.platform);
}

/**
 * An unfinished move found by a rerun (its process is gone: we hold the lock). Placement
 * says which side of the switch it died on: after it, finish; before it, clean up.
 */
async function recoverMove(platform: pg.Pool, record: MoveRecord, tenant: TenantRow, options: MoveOptions): Promise<string> {
  const ctx: Ctx = { platform, options, record, schema: tenant.schema_name, lastStep: record.steps.at(-1)?.step ?? "started" };
  if (tenant.cluster === record.targetCluster) {
    if (record.state !== "switched") await recordStep(platform, record.id, "switched", { recovered: true }, { state: "switched" });
    await finishMove(ctx);
    return `finished the interrupted move ${record.id} to ${record.targetCluster} (it had been killed after the switch)`;
  }
  await abandonMove(ctx, `interrupted after step "${ctx.lastStep}" (the process ended); cleaned up by a rerun`);
  return `cleaned up the interrupted move ${record.id} to ${record.targetCluster} (killed after step "${ctx.lastStep}"): the tenant stayed on ${tenant.cluster}`;
}

async function runMove(ctx: Ctx, tenant: TenantRow, ledger: string): Promise<MoveOutcome> {
  const { options, record, schema, platform } = ctx;
  const source = clusterPool(record.sourceCluster);
  const target = clusterPool(record.targetCluster);
  const signal = options.signal;
  let switched = false;
  let holdStarted = 0;
  let rowsCopied = 0;
  let rounds = 0;
  try {
    await recordStep(platform, record.id, "creating-target", {}, { targetCreated: true });
    record.targetCreated = true;
    await createSchemaAtLatest(target, schema, loadMigrations("tenant"), serverEnv().DATABASE_APP_ROLE).catch(async (err: unknown) => {
      if ((err as { code?: string }).code !== "42P06") throw err;
      // Created by someone else since the check: not ours to drop.
      record.targetCreated = false;
      await recordStep(platform, record.id, "target-exists", {}, { targetCreated: false });
      throw new AppError("conflict", `cluster ${record.targetCluster} already has a schema ${schema}`);
    });
    const tables = await readTenantTables(source, schema);
    assertSameShape(tables, await readTenantTables(target, schema));
    await step(ctx, "target-created", { tables: tables.length });

    let round: RoundResult = await copyRound({ source, target, schema, tables, from: null, final: false, signal });
    rowsCopied += round.copied;
    rounds++;
    await step(ctx, "copied", { rows: round.copied, ms: round.ms, perTable: round.perTable });
    // The copied chain (as of that snapshot) must verify before anything depends on it.
    const early = await verifyChain(target, record.slug, { seal: false });
    if (!early.ok)
      throw new AppError("conflict", `the audit chain copied to ${record.targetCluster} does not verify: ${early.firstBroken?.problem ?? "unknown"}`);

    // Catch up while the tenant is writable, so the held round has little left to do.
    const small = options.smallRoundRows ?? 500;
    for (let i = 0; i < 8 && round.copied >= small; i++) {
      signal?.throwIfAborted();
      round = await copyRound({ source, target, schema, tables, from: round.next, final: false, signal });
      rowsCopied += round.copied;
      rounds++;
    }
    await step(ctx, "caught-up", { rounds, lastRoundRows: round.copied, lastRoundMs: round.ms });

    signal?.throwIfAborted();
    holdStarted = performance.now();
    const hold = await installWriteHold(
      source,
      schema,
      tables.map((t) => t.name),
      options.holdLockTimeoutMs ?? 1_000,
    );
    await step(ctx, "held", { lockMs: Math.round(performance.now() - holdStarted), attempts: hold.attempts }, { state: "holding" });
    if ((await ledgerFingerprint(source, schema)) !== ledger) throw new AppError("conflict", "the tenant schema was migrated during the move");
    const final = await copyRound({ source, target, schema, tables, from: round.next, final: true, signal });
    rowsCopied += final.copied;
    rounds++;
    await step(ctx, "final-copied", { rows: final.copied, deleted: final.deleted, ms: final.ms });

    signal?.throwIfAborted();
    // The switch: placement and the move's state in one platform transaction.
    await withPgTransaction(platform, async (client) => {
      await registerCluster(client, record.targetCluster); // tenants.cluster references the registry
      const moved = await client.query("UPDATE public.tenants SET cluster = $2, updated_at = now() WHERE id = $1 AND cluster = $3", [
        tenant.id,
        record.targetCluster,
        record.sourceCluster,
      ]);
      if (moved.rowCount !== 1) throw new AppError("conflict", "the tenant's placement changed during the move");
      await step(ctx, "switched", {}, { state: "switched" }, client);
      // Every move is in the platform audit log, committed with the placement it changed.
      await recordPlatformEvent(client, systemContext("platform"), {
        action: auditActions.tenantMoved,
        targetType: "tenant",
        targetId: tenant.id,
        summary: `tenant ${record.slug} moved from cluster ${record.sourceCluster} to ${record.targetCluster}`,
        metadata: { moveId: record.id, slug: record.slug, from: record.sourceCluster, to: record.targetCluster, rowsCopied, rounds },
      });
    });
    switched = true;
    await sealPlatformAudit(platform);
    await invalidatePlacement(record.slug);
    const holdMs = Math.round(performance.now() - holdStarted);
    record.holdMs = holdMs;
    await recordStep(platform, record.id, "placement-announced", { holdMs }, { holdMs });
    await options.onStep?.("switched", { holdMs });

    await finishMove(ctx);
    return { moveId: record.id, slug: record.slug, from: record.sourceCluster, to: record.targetCluster, holdMs, rowsCopied, rounds };
  } catch (err) {
    if (switched) throw err;
    // The switch may have committed with its answer lost: placement decides.
    const now = await loadTenant(platform, record.slug);
    if (now.cluster === record.targetCluster) throw err;
    const why = signal?.aborted ? "the move was interrupted (signal)" : describe(err);
    await abandonMove(ctx, `failed at step "${ctx.lastStep}": ${why}`).catch((cleanupErr: unknown) => {
      throw new AppError(
        "internal",
        `Move of ${record.slug} failed (${why}) and cleaning up failed too (${describe(cleanupErr)}); rerun the move to clean up. The tenant is served from ${record.sourceCluster}.`,
      );
    });
    throw new AppError(
      "internal",
      `Move of ${record.slug} to ${record.targetCluster} failed at step "${ctx.lastStep}": ${why}. The tenant stays on ${record.sourceCluster}, writable; the partial copy was removed.`,
    );
  }
}

export async function moveTenant(options: MoveOptions): Promise<MoveOutcome> {
  const input = parseOrThrow(moveInput, { slug: options.slug, to: options.to }, "move");
  assertConfiguredCluster(input.to);
  const platform = getPool();
  const lock = await takeMoveLock(platform, input.slug);
  try {
    let tenant = await loadTenant(platform, input.slug);
    let recovered: string | undefined;
    const pending = await unfinishedMove(platform, tenant.id);
    if (pending) {
      recovered = await recoverMove(platform, pending, tenant, options);
      tenant = await loadTenant(platform, input.slug);
    }
    if (tenant.cluster === input.to) {
      if (recovered && pending?.targetCluster === input.to) {
        return {
          moveId: pending.id,
          slug: tenant.slug,
          from: pending.sourceCluster,
          to: input.to,
          holdMs: pending.holdMs,
          rowsCopied: 0,
          rounds: 0,
          recovered,
        };
      }
      throw new AppError("bad_request", `Tenant "${tenant.slug}" is already on cluster ${input.to}.`);
    }
    if (tenant.status !== "active") {
      throw new AppError("conflict", `Tenant "${tenant.slug}" is ${tenant.status}: only an active tenant is moved (resume it first).`);
    }
    assertConfiguredCluster(tenant.cluster);
    const ledger = await assertAtLatestMigration(clusterPool(tenant.cluster), tenant.schema_name, tenant.cluster, loadMigrations("tenant"));
    if (await schemaExists(clusterPool(input.to), tenant.schema_name)) {
      throw new AppError(
        "conflict",
        `Cluster ${input.to} already has a schema ${tenant.schema_name}; nothing was changed. Drop that schema there (after checking what it holds) or choose another cluster.`,
      );
    }
    const record = await startMoveRecord(platform, {
      tenantId: tenant.id,
      slug: tenant.slug,
      source: tenant.cluster,
      target: input.to,
      startedBy: options.startedBy ?? `${process.env.USER ?? "operator"}@${hostname()}`,
    });
    const ctx: Ctx = { platform, options, record, schema: tenant.schema_name, lastStep: "started" };
    const outcome = await runMove(ctx, tenant, ledger);
    return recovered ? { ...outcome, recovered } : outcome;
  } finally {
    await lock.release();
  }
}
