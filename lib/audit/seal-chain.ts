// Sealing a tenant's audit rows into the hash chain. Rows get their seq on insert with
// no lock (prev_hash and hash NULL); the SQL function audit_seal() (tenant migration
// audit_sealer) chains them in seq order, only up to the point below which every
// transaction has finished, one sealer per tenant at a time. It is SECURITY DEFINER, so
// the least-privilege application role can call it. One round trip per batch.
import type pg from "pg";
import { getPool } from "@/lib/db/pool";
import { tenantPool } from "@/lib/db/tenant-pool";
import { auditTables, type AuditLogRef } from "./audit-table";

export interface SealStep {
  /** Rows sealed by this call. */
  sealed: number;
  /** Every seq up to here is final and, where the row exists, sealed. */
  sealedThrough: bigint;
  /** The last seq drawn when the call looked. More to do while drawn > sealedThrough. */
  drawn: bigint;
}

/** One call of audit_seal: seals up to maxRows rows, or nothing if another sealer holds the tenant. */
/** Rows per audit_seal call: one round trip, a short transaction. */
export const SEAL_BATCH = 5_000;

export async function sealStep(pool: pg.Pool, slug: AuditLogRef, maxRows = SEAL_BATCH): Promise<SealStep> {
  const { schema } = auditTables(slug);
  const { rows } = await pool.query<{ sealed: number; sealed_through: string; drawn: string }>(
    `SELECT "sealed", "sealed_through"::text, "drawn"::text FROM ${schema}.audit_seal($1)`,
    [maxRows],
  );
  const r = rows[0]!;
  return { sealed: r.sealed, sealedThrough: BigInt(r.sealed_through), drawn: BigInt(r.drawn) };
}

export interface SealNowResult {
  /** True when every row committed before the call is sealed. */
  complete: boolean;
  sealed: number;
  sealedThrough: bigint;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Seals everything committed before the call, waiting for transactions that were still
 * open then: their seqs are below what was drawn, and nothing can be sealed past them
 * until they finish. Gives up after timeoutMs without progress (a backlog that is being
 * sealed batch by batch does not time out). For tests, CLIs and verification.
 */
export async function sealNow(slug: AuditLogRef, options: { pool?: pg.Pool; timeoutMs?: number } = {}): Promise<SealNowResult> {
  // A tenant's log is on its cluster; the platform's on the platform cluster.
  const pool = options.pool ?? (typeof slug === "string" ? await tenantPool(slug) : getPool());
  const timeoutMs = options.timeoutMs ?? 5_000;
  let step = await sealStep(pool, slug);
  const goal = step.drawn;
  let sealed = step.sealed;
  let progressAt = Date.now();
  while (step.sealedThrough < goal) {
    if (Date.now() - progressAt >= timeoutMs) return { complete: false, sealed, sealedThrough: step.sealedThrough };
    // A full batch means more is ready now; otherwise wait for open transactions (or
    // for another process's sealer, which holds the tenant) to finish.
    if (step.sealed < SEAL_BATCH) await sleep(10);
    const before = step.sealedThrough;
    step = await sealStep(pool, slug);
    sealed += step.sealed;
    if (step.sealedThrough > before) progressAt = Date.now();
  }
  return { complete: true, sealed, sealedThrough: step.sealedThrough };
}

/** Rows not sealed yet (newer than the sealed point): not covered by the chain until they are. */
export async function unsealedCount(pool: pg.Pool, slug: AuditLogRef): Promise<number> {
  const t = auditTables(slug);
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${t.log} WHERE "seq" > (SELECT "sealed_through" FROM ${t.head} WHERE "id" = 1)`,
  );
  return rows[0]!.n;
}
