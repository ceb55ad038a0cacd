// Streams a time range of a tenant's audit log as CSV or JSON Lines, in chain order,
// in keyset batches (memory stays bounded). JSON Lines ends with a seal (seal.ts). Every row carries the exact text that was
// hashed plus prev_hash and hash, so an auditor can re-verify the chain offline
// (lib/audit/verify-export.ts, or any tool following lib/audit/canonical.ts).
// Only sealed rows are exported (what was committed before the export is sealed first);
// the header line (JSON Lines) and the X-Audit-Unsealed response header say how many
// newer rows were not sealed yet and so are not in it.
import type pg from "pg";
import { z } from "zod";
import { boundedDate } from "@/lib/zod/dates";
import { auditLogLabel, auditTables, type AuditLogRef } from "./audit-table";
import type { AuditContext } from "./context";
import { streamRows, type StoredRow } from "./read-rows";
import { SealBuilder } from "./seal";
import { sealNow, unsealedCount } from "./seal-chain";
import { recordEvent } from "./with-audit";

export const exportQuerySchema = z
  .object({
    format: z.enum(["csv", "jsonl"]).default("jsonl"),
    from: boundedDate().optional(),
    to: boundedDate().optional(),
  })
  .refine((v) => !v.from || !v.to || v.from < v.to, { message: "must be after from", path: ["to"] });

export type ExportQuery = z.infer<typeof exportQuerySchema>;

const columns: (keyof StoredRow)[] = [
  "seq",
  "occurredAt",
  "actorType",
  "actorId",
  "actorLabel",
  "action",
  "targetType",
  "targetId",
  "summary",
  "changes",
  "metadata",
  "requestId",
  "ip",
  "userAgent",
  "prevHash",
  "hash",
];

/** CSV cell: NULL is an empty unquoted cell, the empty string is "" (hashing tells them apart). */
function csvCell(value: string | null): string {
  if (value === null) return "";
  return `"${value.replaceAll('"', '""')}"`;
}

export function csvLine(row: StoredRow): string {
  return `${columns.map((c) => csvCell(row[c] as string | null)).join(",")}\r\n`;
}

export const csvHeader = `${columns.join(",")}\r\n`;

export interface ExportHeader {
  export: { tenant: string; format: "jsonl"; from: string | null; to: string | null; exportedAt: string; canonical: "v1"; unsealed: number };
}

/** What an export covers: sealed rows up to throughSeq; `unsealed` newer rows are left out. */
export interface ExportScope {
  throughSeq: bigint;
  unsealed: number;
}

export async function exportScope(pool: pg.Pool, slug: AuditLogRef): Promise<ExportScope> {
  await sealNow(slug, { pool, timeoutMs: 2_000 });
  const { rows } = await pool.query<{ seq: string }>(`SELECT "seq"::text AS seq FROM ${auditTables(slug).head} WHERE "id" = 1`);
  return { throughSeq: BigInt(rows[0]?.seq ?? "0"), unsealed: await unsealedCount(pool, slug) };
}

/**
 * The seq range of a time range. occurred_at is taken when a row is sequenced, so
 * concurrent writers may interleave it with seq by microseconds: the export is cut by
 * seq (from the first row at or after `from` to the last one before `to`), so that it is
 * always an unbroken piece of the chain.
 */
async function seqRange(pool: pg.Pool, slug: AuditLogRef, query: ExportQuery, throughSeq: bigint): Promise<{ afterSeq: bigint; throughSeq: bigint } | null> {
  if (!query.from && !query.to) return { afterSeq: -1n, throughSeq };
  const { log } = auditTables(slug);
  const { rows } = await pool.query<{ first: string | null; last: string | null }>(
    `SELECT (SELECT min("seq") FROM ${log} WHERE $1::timestamptz IS NULL OR "occurred_at" >= $1)::text AS first,
            (SELECT max("seq") FROM ${log} WHERE "seq" <= $3 AND ($2::timestamptz IS NULL OR "occurred_at" < $2))::text AS last`,
    [query.from ?? null, query.to ?? null, throughSeq.toString()],
  );
  const { first, last } = rows[0] ?? { first: null, last: null };
  if (first === null || last === null || BigInt(first) > BigInt(last)) return null;
  return { afterSeq: BigInt(first) - 1n, throughSeq: BigInt(last) };
}

export async function* exportLines(pool: pg.Pool, slug: AuditLogRef, query: ExportQuery, scope?: ExportScope): AsyncGenerator<string> {
  const { throughSeq, unsealed } = scope ?? (await exportScope(pool, slug));
  if (query.format === "csv") yield csvHeader;
  else {
    const header: ExportHeader = {
      export: {
        tenant: auditLogLabel(slug),
        format: "jsonl",
        from: query.from?.toISOString() ?? null,
        to: query.to?.toISOString() ?? null,
        exportedAt: new Date().toISOString(),
        canonical: "v1",
        unsealed,
      },
    };
    yield `${JSON.stringify(header)}\n`;
  }
  const sealer = new SealBuilder();
  const range = await seqRange(pool, slug, query, throughSeq);
  if (range) {
    for await (const row of streamRows(pool, slug, range)) {
      yield query.format === "csv" ? csvLine(row) : sealer.line(row);
    }
  }
  if (query.format === "jsonl") yield `${JSON.stringify({ seal: sealer.seal(auditLogLabel(slug)) })}\n`;
}

/** The lines of an export, and how many unsealed rows it leaves out. */
export type AuditExportLines = AsyncGenerator<string> & { unsealed: number };

/**
 * Records the export in the audit log first (an interrupted export is still audited),
 * seals what was committed (the export includes its own record), then streams it.
 */
export async function startAuditExport(pool: pg.Pool, slug: string, ctx: AuditContext, query: ExportQuery): Promise<AuditExportLines> {
  await recordEvent(slug, ctx, {
    action: "audit.exported",
    summary: `audit log exported as ${query.format}`,
    metadata: { format: query.format, from: query.from?.toISOString() ?? null, to: query.to?.toISOString() ?? null },
  });
  const scope = await exportScope(pool, slug);
  return Object.assign(exportLines(pool, slug, query, scope), { unsealed: scope.unsealed });
}
