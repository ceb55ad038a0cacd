// The seal that closes a JSON Lines export or retention archive: row count, first and
// last seq, last hash and the SHA-256 of the row lines. Without it an offline check
// could not tell that rows were cut from either end.
import { createHash } from "node:crypto";
import type { StoredRow } from "./read-rows";

export interface Seal {
  tenant: string;
  rows: number;
  firstSeq: string | null;
  lastSeq: string | null;
  lastHash: string | null;
  sha256: string;
}

export class SealBuilder {
  private readonly digest = createHash("sha256");
  private rows = 0;
  private firstSeq: string | null = null;
  private last: StoredRow | null = null;

  /** Returns the line to write for this row, having added it to the seal. */
  line(row: StoredRow): string {
    const text = `${JSON.stringify(row)}\n`;
    this.digest.update(text);
    this.rows++;
    this.firstSeq ??= row.seq;
    this.last = row;
    return text;
  }

  get lastHash(): string {
    return this.last?.hash ?? "";
  }

  get count(): number {
    return this.rows;
  }

  seal(tenant: string): Seal {
    return {
      tenant,
      rows: this.rows,
      firstSeq: this.firstSeq,
      lastSeq: this.last?.seq ?? null,
      lastHash: this.last?.hash ?? null,
      sha256: this.digest.digest("hex"),
    };
  }
}
