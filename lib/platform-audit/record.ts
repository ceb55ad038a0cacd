// The platform audit log's one write path: every operator action (and every operator
// account change the CLI makes) appends an event here, in the same transaction as the
// change, through lib/audit's recordOnPool (the same row, validation and redaction as a
// tenant's log). Rows are sequenced on insert and sealed into the chain right after
// commit (audit_seal, as for tenants; lib/audit/seal-chain.ts).
import type pg from "pg";
import { platformAuditLog } from "@/lib/audit/audit-table";
import { auditContextSchema, type AuditContext } from "@/lib/audit/context";
import { recordOnPool, type AuditEvent } from "@/lib/audit/record";
import { sealStep } from "@/lib/audit/seal-chain";
import type { Prisma } from "@/lib/db/generated/platform/client";
import { getPool } from "@/lib/db/pool";
import { withPgTransaction } from "@/lib/db/transaction";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { log } from "@/lib/observability/logger";

/** Anything that runs a parameterised query: the pool, a pg client in a transaction, or a Prisma platform transaction (see onPrisma). */
export type Queryable = Pick<pg.Pool, "query">;

/** A Prisma platform transaction as a Queryable, so the event joins that transaction. */
export function onPrisma(tx: Prisma.TransactionClient): Queryable {
  return {
    query: (async (sql: string, params: unknown[]) => ({ rows: await tx.$queryRawUnsafe<unknown[]>(sql, ...params) })) as unknown as pg.Pool["query"],
  };
}

/** Appends one event on `db` (inside the caller's transaction when `db` is one). */
export function recordPlatformEvent(db: Queryable, ctx: AuditContext, event: AuditEvent): Promise<bigint> {
  return recordOnPool(db, platformAuditLog, parseOrThrow(auditContextSchema, ctx, "audit context"), event);
}

/**
 * Seals what was just committed. Failing here loses nothing: the rows stay unsealed
 * until the next seal (every write, every verification and export seals first).
 */
export async function sealPlatformAudit(pool: pg.Pool = getPool()): Promise<void> {
  await sealStep(pool, platformAuditLog).catch((err: unknown) =>
    log().warn(
      { component: "platform-audit", reason: err instanceof Error ? err.message : String(err) },
      "sealing failed (sealed on the next write or verification)",
    ),
  );
}

/** `fn` and its audit events in one pg transaction, sealed after commit. */
export async function withPlatformAudit<T>(
  ctx: AuditContext,
  fn: (client: pg.PoolClient, record: (event: AuditEvent) => Promise<bigint>) => Promise<T>,
): Promise<T> {
  try {
    return await withPgTransaction(getPool(), (client) => fn(client, (event) => recordPlatformEvent(client, ctx, event)));
  } finally {
    await sealPlatformAudit();
  }
}
