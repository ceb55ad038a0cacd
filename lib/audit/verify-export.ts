// Offline verification of a JSON Lines export: every row's hash matches its content,
// and consecutive rows link (seq + 1, prev_hash = previous hash). Needs no database.
import { rowHash } from "./canonical";
import type { StoredRow } from "./read-rows";

export interface ExportReport {
  ok: boolean;
  rows: number;
  firstSeq: string | null;
  lastSeq: string | null;
  lastHash: string | null;
  problem?: string;
}

export async function verifyExportLines(lines: AsyncIterable<string> | Iterable<string>): Promise<ExportReport> {
  let rows = 0;
  let first: string | null = null;
  let prev: StoredRow | null = null;
  const fail = (problem: string): ExportReport => ({ ok: false, rows, firstSeq: first, lastSeq: prev?.seq ?? null, lastHash: prev?.hash ?? null, problem });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return fail(`line ${lineNo} is not JSON`);
    }
    if (parsed && typeof parsed === "object" && "export" in parsed) continue; // header
    const row = parsed as StoredRow;
    if (typeof row.seq !== "string" || typeof row.hash !== "string") return fail(`line ${lineNo} is not an audit row`);
    if (prev && BigInt(row.seq) !== BigInt(prev.seq) + 1n) return fail(`row ${BigInt(prev.seq) + 1n} is missing before line ${lineNo}`);
    if (prev && row.prevHash !== prev.hash) return fail(`row ${row.seq} does not link to row ${prev.seq}`);
    if (rowHash(row) !== row.hash) return fail(`row ${row.seq} does not match its hash`);
    first ??= row.seq;
    prev = row;
    rows++;
  }
  return { ok: true, rows, firstSeq: first, lastSeq: prev?.seq ?? null, lastHash: prev?.hash ?? null };
}
