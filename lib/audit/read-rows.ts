// Streams a tenant's audit rows in chain order, in keyset batches, as the text that
// was hashed: memory stays bounded however many rows there are.
import type pg from "pg";
import type { HashedFields } from "./canonical";
import { auditTables, type AuditLogRef } from "./audit-table";
import { hashedRowColumns } from "./hashed-row-sql";

/** hash and prevHash are NULL while a row is not sealed (see seal-chain.ts). */
export type StoredRow = HashedFields & { hash: string | null };

export interface RowRange {
  /** Rows with seq greater than this. */
  afterSeq?: bigint;
  /** Rows with seq up to this (e.g. the newest sealed row). */
  throughSeq?: bigint;
  from?: Date;
  to?: Date;
  batchSize?: number;
}

export async function* streamRows(pool: pg.Pool, slug: AuditLogRef, range: RowRange = {}): AsyncGenerator<StoredRow> {
  const { log } = auditTables(slug);
  const batch = range.batchSize ?? 2_000;
  let after = range.afterSeq ?? -1n;
  for (;;) {
    const params: unknown[] = [after.toString(), batch];
    const where = ['"seq" > $1'];
    if (range.throughSeq !== undefined) where.push(`"seq" <= $${params.push(range.throughSeq.toString())}`);
    if (range.from) where.push(`"occurred_at" >= $${params.push(range.from)}`);
    if (range.to) where.push(`"occurred_at" < $${params.push(range.to)}`);
    // r."seq", not "seq": a bare name in ORDER BY is the text output column (1, 10, 2, ...).
    const { rows } = await pool.query<StoredRow>(`SELECT ${hashedRowColumns} FROM ${log} AS r WHERE ${where.join(" AND ")} ORDER BY r."seq" LIMIT $2`, params);
    for (const row of rows) yield row;
    if (rows.length < batch) return;
    after = BigInt(rows[rows.length - 1]!.seq);
  }
}
