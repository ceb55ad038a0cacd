// Streams a time range of a tenant's audit log as CSV or JSON Lines, in chain order,
// in keyset batches (memory stays bounded). JSON Lines ends with a seal (seal.ts). Every row carries the exact text that was
// hashed plus prev_hash and hash, so an auditor can re-verify the chain offline
// (lib/audit/verify-export.ts, or any tool following lib/audit/canonical.ts).
import type pg from "pg";
import { z } from "zod";
import type { AuditContext } from "./context";
import { streamRows, type StoredRow } from "./read-rows";
import { SealBuilder } from "./seal";
import { recordEvent } from "./with-audit";

export const exportQuerySchema = z
  .object({
    format: z.enum(["csv", "jsonl"]).default("jsonl"),
    from: z.coerce.date().optional(),
    to: z.coerce.date().optional(),
  })
  .refine((v) => !v.from || !v.to || v.from < v.to, { message: "must be after from", path: ["to"] });

export type ExportQuery = z.infer<typeof exportQuerySchema>;

const columns: (keyof StoredRow)[] = [
  "seq", "occurredAt", "actorType", "actorId", "actorLabel", "action", "targetType", "targetId", "summary",
  "changes", "metadata", "requestId", "ip", "userAgent", "prevHash", "hash",
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
  export: { tenant: string; format: "jsonl"; from: string | null; to: string | null; exportedAt: string; canonical: "v1" };
}

export async function* exportLines(pool: pg.Pool, slug: string, query: ExportQuery): AsyncGenerator<string> {
  if (query.format === "csv") yield csvHeader;
  else {
    const header: ExportHeader = {
      export: {
        tenant: slug,
        format: "jsonl",
        from: query.from?.toISOString() ?? null,
        to: query.to?.toISOString() ?? null,
        exportedAt: new Date().toISOString(),
        canonical: "v1",
      },
    };
    yield `${JSON.stringify(header)}\n`;
  }
  const sealer = new SealBuilder();
  for await (const row of streamRows(pool, slug, { from: query.from, to: query.to })) {
    yield query.format === "csv" ? csvLine(row) : sealer.line(row);
  }
  if (query.format === "jsonl") yield `${JSON.stringify({ seal: sealer.seal(slug) })}\n`;
}

/** Records the export in the audit log first (an interrupted export is still audited), then streams it. */
export async function startAuditExport(pool: pg.Pool, slug: string, ctx: AuditContext, query: ExportQuery): Promise<AsyncGenerator<string>> {
  await recordEvent(slug, ctx, {
    action: "audit.exported",
    summary: `audit log exported as ${query.format}`,
    metadata: { format: query.format, from: query.from?.toISOString() ?? null, to: query.to?.toISOString() ?? null },
  });
  return exportLines(pool, slug, query);
}
