// Every write to tenant data runs here: one transaction on the tenant's client with
// the audit context set transaction-locally, so the row-change triggers record who
// did it in the same transaction (rolled back together). A write outside withAudit
// is refused by the database itself. After the commit, the in-memory caches whose
// tables the transaction touched (sessions, API keys, integrations) are dropped on every
// instance (lib/cache/tenant-write-tracking.ts). If the connection is lost before COMMIT
// (a terminated backend, a reset socket), `fn` runs once more on a fresh connection
// (nothing of the first attempt took effect): keep `fn` to database work.
import { invalidateTenantCaches, trackTenantWrites } from "@/lib/cache/tenant-write-tracking";
import type { Prisma } from "@/lib/db/generated/tenant/client";
import { isConnectionLoss } from "@/lib/db/connection-retry";
import { tenantPool } from "@/lib/db/tenant-pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { auditContextSchema, setAuditContextSql, type AuditContext } from "./context";
import { record, recordOnPool, type AuditEvent } from "./record";
import { markAuditDirty } from "./sealer-loop";

export interface AuditHandle {
  /** Records an explicit event in this transaction. */
  record(event: AuditEvent): Promise<bigint>;
}

export async function withAudit<T>(
  slug: string,
  rawCtx: AuditContext,
  fn: (tx: Prisma.TransactionClient, audit: AuditHandle) => Promise<T>,
  options: {
    timeoutMs?: number;
    /** Housekeeping that no cached value depends on (last_seen_at, last_used_at): skip the invalidation. */
    keepCaches?: boolean;
  } = {},
): Promise<T> {
  const ctx = parseOrThrow(auditContextSchema, rawCtx, "audit context");
  let touched: () => string[] = () => [];
  const run = async (): Promise<{ ok: true; value: T } | { ok: false; err: unknown; committing: boolean }> => {
    // Set once fn is done: from then on Prisma sends COMMIT, which may have taken effect
    // even if its answer was lost with the connection.
    let committing = false;
    try {
      const value = await tenantDb(slug).$transaction(
        async (rawTx) => {
          await rawTx.$queryRawUnsafe(setAuditContextSql, JSON.stringify(ctx));
          const tracked = trackTenantWrites(rawTx);
          touched = tracked.touched;
          const result = await fn(tracked.tx, { record: (event) => record(rawTx, ctx, event) });
          committing = true;
          return result;
        },
        { timeout: options.timeoutMs ?? 10_000, maxWait: 5_000 },
      );
      return { ok: true, value };
    } catch (err) {
      return { ok: false, err, committing };
    }
  };
  try {
    let outcome = await run();
    // A connection killed under the transaction before COMMIT: nothing took effect, so it
    // runs once more on a fresh connection (lib/db/connection-retry.ts).
    if (!outcome.ok && !outcome.committing && isConnectionLoss(outcome.err)) outcome = await run();
    if (!outcome.ok) throw outcome.err;
    return outcome.value;
  } finally {
    // Its rows (or the seqs a rollback left as gaps) are for the sealer now.
    markAuditDirty(slug);
    // Also after a failure: the commit may have happened before the error reached us.
    const caches = options.keepCaches ? [] : touched();
    if (caches.length) await invalidateTenantCaches(slug, caches);
  }
}

/** One explicit event in a transaction of its own (a single INSERT: no row-change triggers, so no context setting). */
export async function recordEvent(slug: string, ctx: AuditContext, event: AuditEvent): Promise<bigint> {
  try {
    return await recordOnPool(await tenantPool(slug), slug, parseOrThrow(auditContextSchema, ctx, "audit context"), event);
  } finally {
    markAuditDirty(slug);
  }
}
