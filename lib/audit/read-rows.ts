// Streams a tenant's audit rows in chain order, in keyset batches, as the text that
// was hashed: memory stays bounded however many rows there are.
import type pg from "pg";
import type { HashedFields } from "./canonical";
import { auditTables } from "./audit-table";
import { hashedRowColumns } from "./hashed-row-sql";

export type StoredRow = HashedFields & { hash: string };

export interface RowRange {
  /** Rows with seq greater than this. */
  afterSeq?: bigint;
  from?: Date;
  to?: Date;
  batchSize?: number;
}

export async function* streamRows(pool: pg.Pool, slug: string, range: RowRange = {}): AsyncGenerator<StoredRow> {
  const { log } = auditTables(slug);
  const batch = range.batchSize ?? 2_000;
  let after = range.afterSeq ?? -1n;
  for (;;) {
    const params: unknown[] = [after.toString(), batch];
    const where = ['"seq" > $1'];
    if (range.from) where.push(`"occurred_at" >= $${params.push(range.from)}`);
    if (range.to) where.push(`"occurred_at" < $${params.push(range.to)}`);
    // r."seq", not "seq": a bare name in ORDER BY is the text output column (1, 10, 2, ...).
    const { rows } = await pool.query<StoredRow>(
      `SELECT ${hashedRowColumns} FROM ${log} AS r WHERE ${where.join(" AND ")} ORDER BY r."seq" LIMIT $2`,
      params,
    );
    for (const row of rows) yield row;
    if (rows.length < batch) return;
    after = BigInt(rows[rows.length - 1]!.seq);
  }
}
