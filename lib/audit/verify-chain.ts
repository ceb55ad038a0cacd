// Walks a tenant's sealed audit chain from its retention anchor (or the genesis hash) and
// reports the first broken link: a row whose content no longer matches its hash
// (edited), a row whose prev_hash is not its predecessor's hash (rows removed or
// inserted; seq may have gaps, left by rolled-back transactions, so links are what
// count), or a chain head that points past the last row (newest sealed rows removed).
// Rows not sealed yet are not part of the chain: they are counted (`unsealed`), not checked.
import { auditVerifications } from "./metrics";
import type pg from "pg";
import { GENESIS_HASH, rowHash } from "./canonical";
import { auditTables, type AuditLogRef } from "./audit-table";
import { streamRows } from "./read-rows";
import { sealNow, unsealedCount } from "./seal-chain";

export interface ChainReport {
  ok: boolean;
  rowsChecked: number;
  startedAfterSeq: string;
  lastSeq: string;
  /** Rows newer than the sealed chain, not checked (they are sealed within about a second). */
  unsealed: number;
  firstBroken?: { seq: string; problem: string };
}

export interface VerifyOptions {
  /** Seal what was committed before the walk first (default true; waits up to sealTimeoutMs for open transactions). */
  seal?: boolean;
  sealTimeoutMs?: number;
}

export async function verifyChain(pool: pg.Pool, slug: AuditLogRef, options: VerifyOptions = {}): Promise<ChainReport> {
  const report = await walkChain(pool, slug, options);
  auditVerifications.inc({ result: report.ok ? "ok" : "failed" });
  return report;
}

async function walkChain(pool: pg.Pool, slug: AuditLogRef, options: VerifyOptions): Promise<ChainReport> {
  const t = auditTables(slug);
  if (options.seal ?? true) await sealNow(slug, { pool, timeoutMs: options.sealTimeoutMs ?? 2_000 });
  // a."seq", not "seq": a bare name in ORDER BY is the text output column.
  const anchor = await pool.query<{ seq: string; hash: string }>(`SELECT "seq"::text AS seq, "hash" FROM ${t.anchor} AS a ORDER BY a."seq" DESC LIMIT 1`);
  let prevSeq = BigInt(anchor.rows[0]?.seq ?? "0");
  let prevHash = anchor.rows[0]?.hash ?? GENESIS_HASH;
  const startedAfterSeq = prevSeq.toString();
  let rowsChecked = 0;
  let unsealed = 0;
  const broken = (seq: bigint | string, problem: string): ChainReport => ({
    ok: false,
    rowsChecked,
    startedAfterSeq,
    lastSeq: prevSeq.toString(),
    unsealed,
    firstBroken: { seq: seq.toString(), problem },
  });

  // The head (the newest sealed row) is read first: the walk checks the chain up to that
  // point, so rows sealed meanwhile neither count as tampering nor keep it going.
  const head = await pool.query<{ seq: string; hash: string }>(`SELECT "seq"::text AS seq, "hash" FROM ${t.head} WHERE "id" = 1`);
  const h = head.rows[0];
  if (!h) return broken(prevSeq + 1n, "the chain head is missing");
  const headSeq = BigInt(h.seq);
  unsealed = await unsealedCount(pool, slug);

  for await (const row of streamRows(pool, slug, { afterSeq: prevSeq })) {
    const seq = BigInt(row.seq);
    if (seq > headSeq) break; // not sealed when the walk began
    if (row.prevHash !== prevHash) {
      // A gap alone is a rolled-back transaction; a gap the link does not bridge is a removal.
      if (seq === prevSeq + 2n) return broken(prevSeq + 1n, `row ${prevSeq + 1n} is missing (row ${seq} does not link to row ${prevSeq})`);
      if (seq > prevSeq + 2n) return broken(prevSeq + 1n, `rows between ${prevSeq} and ${seq} are missing (row ${seq} does not link to row ${prevSeq})`);
      return broken(seq, `row ${seq} does not link to row ${prevSeq} (prev_hash mismatch)`);
    }
    if (rowHash(row) !== row.hash) return broken(seq, `row ${seq} was changed after it was written (hash mismatch)`);
    prevSeq = seq;
    prevHash = row.hash;
    rowsChecked++;
  }

  if (prevSeq !== headSeq || h.hash !== prevHash) return broken(prevSeq + 1n, `rows after ${prevSeq} are missing (the chain head is at ${h.seq})`);
  return { ok: true, rowsChecked, startedAfterSeq, lastSeq: prevSeq.toString(), unsealed };
}
