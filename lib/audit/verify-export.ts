// Offline verification of a JSON Lines export: every row's hash matches its content,
// and consecutive rows link (prev_hash = previous hash; seq rises, and may skip values
// that rolled-back transactions drew). Needs no database.
// Exports and retention archives end with a seal line (lib/audit/seal.ts): it must be
// there, be the last line and match the rows before it (count, first and last seq,
// last hash, SHA-256 of the row lines).
import { createHash } from "node:crypto";
import { rowHash } from "./canonical";
import type { StoredRow } from "./read-rows";
import type { Seal } from "./seal";

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
  const digest = createHash("sha256"); // of the row lines, as the seal's sha256
  let sealed = false;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    if (sealed) return fail(`line ${lineNo} follows the seal`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return fail(`line ${lineNo} is not JSON`);
    }
    if (parsed && typeof parsed === "object" && "export" in parsed) continue; // header
    if (parsed && typeof parsed === "object" && "seal" in parsed) {
      const seal = (parsed as { seal: Seal }).seal;
      const matches =
        seal?.rows === rows && seal.firstSeq === first && seal.lastSeq === prev?.seq && seal.lastHash === prev?.hash && seal.sha256 === digest.digest("hex");
      if (!matches) return fail(`the seal on line ${lineNo} does not match the rows before it`);
      sealed = true;
      continue;
    }
    const row = parsed as StoredRow;
    if (typeof row.seq !== "string" || typeof row.hash !== "string") return fail(`line ${lineNo} is not an audit row`);
    // seq may skip values (rolled-back transactions); the prev_hash links make the chain.
    if (prev && BigInt(row.seq) <= BigInt(prev.seq)) return fail(`row ${row.seq} on line ${lineNo} is out of order`);
    if (prev && row.prevHash !== prev.hash) {
      if (BigInt(row.seq) > BigInt(prev.seq) + 1n)
        return fail(`row ${BigInt(prev.seq) + 1n} is missing before line ${lineNo} (row ${row.seq} does not link to row ${prev.seq})`);
      return fail(`row ${row.seq} does not link to row ${prev.seq}`);
    }
    if (rowHash(row) !== row.hash) return fail(`row ${row.seq} does not match its hash`);
    digest.update(line.endsWith("\n") ? line : `${line}\n`);
    first ??= row.seq;
    prev = row;
    rows++;
  }
  if (!sealed) return fail("the export has no seal line: rows may have been cut from its end");
  return { ok: true, rows, firstSeq: first, lastSeq: prev?.seq ?? null, lastHash: prev?.hash ?? null };
}
