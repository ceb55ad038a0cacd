// Walks a tenant's audit chain from its retention anchor (or the genesis hash) and
// reports the first broken link: a row whose content no longer matches its hash
// (edited), a gap in the sequence or a prev_hash that does not match (removed or
// inserted rows), or a chain head that points past the last row (newest rows removed).
import type pg from "pg";
import { GENESIS_HASH, rowHash } from "./canonical";
import { auditTables } from "./audit-table";
import { streamRows } from "./read-rows";

export interface ChainReport {
  ok: boolean;
  rowsChecked: number;
  startedAfterSeq: string;
  lastSeq: string;
  firstBroken?: { seq: string; problem: string };
}

export async function verifyChain(pool: pg.Pool, slug: string): Promise<ChainReport> {
  const t = auditTables(slug);
  // a."seq", not "seq": a bare name in ORDER BY is the text output column.
  const anchor = await pool.query<{ seq: string; hash: string }>(
    `SELECT "seq"::text AS seq, "hash" FROM ${t.anchor} AS a ORDER BY a."seq" DESC LIMIT 1`,
  );
  let prevSeq = BigInt(anchor.rows[0]?.seq ?? "0");
  let prevHash = anchor.rows[0]?.hash ?? GENESIS_HASH;
  const startedAfterSeq = prevSeq.toString();
  let rowsChecked = 0;
  const broken = (seq: bigint | string, problem: string): ChainReport => ({
    ok: false,
    rowsChecked,
    startedAfterSeq,
    lastSeq: prevSeq.toString(),
    firstBroken: { seq: seq.toString(), problem },
  });

  // The head is read first: the walk checks the chain up to that point, so rows that
  // concurrent writers append meanwhile neither count as tampering nor keep it going.
  const head = await pool.query<{ seq: string; hash: string }>(`SELECT "seq"::text AS seq, "hash" FROM ${t.head} WHERE "id" = 1`);
  const h = head.rows[0];
  if (!h) return broken(prevSeq + 1n, "the chain head is missing");
  const headSeq = BigInt(h.seq);

  for await (const row of streamRows(pool, slug, { afterSeq: prevSeq })) {
    const seq = BigInt(row.seq);
    if (seq > headSeq && prevSeq >= headSeq) break; // written after the walk began
    if (seq !== prevSeq + 1n) return broken(prevSeq + 1n, `row ${prevSeq + 1n} is missing (the next row is ${seq})`);
    if (row.prevHash !== prevHash) return broken(seq, `row ${seq} does not link to row ${prevSeq} (prev_hash mismatch)`);
    if (rowHash(row) !== row.hash) return broken(seq, `row ${seq} was changed after it was written (hash mismatch)`);
    prevSeq = seq;
    prevHash = row.hash;
    rowsChecked++;
  }

  if (prevSeq !== headSeq || h.hash !== prevHash)
    return broken(prevSeq + 1n, `rows after ${prevSeq} are missing (the chain head is at ${h.seq})`);
  return { ok: true, rowsChecked, startedAfterSeq, lastSeq: prevSeq.toString() };
}
