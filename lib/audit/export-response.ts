// An export as an HTTP response: the lines of exportLines/startAuditExport pulled one
// chunk at a time as the client reads (a ReadableStream with pull, so a slow client
// holds back the database reads instead of filling memory), with a download name.
import type { ExportQuery } from "./export";
import { log } from "@/lib/observability/logger";

const CHUNK_CHARS = 64 * 1024;

export const exportContentTypes = {
  csv: "text/csv; charset=utf-8; header=present",
  jsonl: "application/jsonl; charset=utf-8",
} as const;

/** Reads the generator only when the consumer asks for more; cancelling stops it. */
export function linesToStream(lines: AsyncGenerator<string>, chunkChars = CHUNK_CHARS): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk = "";
        try {
          while (chunk.length < chunkChars) {
            const next = await lines.next();
            if (next.done) {
              if (chunk) controller.enqueue(encoder.encode(chunk));
              controller.close();
              return;
            }
            chunk += next.value;
          }
        } catch (err) {
          // A failure mid-way ends the download abruptly: a JSON Lines export then lacks
          // its seal, and a CSV its last rows, which an offline check reports.
          log().error({ err, component: "audit" }, "audit export stream failed");
          controller.error(err);
          return;
        }
        controller.enqueue(encoder.encode(chunk));
      },
      async cancel() {
        await lines.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

export function exportFilename(slug: string, query: ExportQuery, now = new Date()): string {
  const range = query.from || query.to ? `${query.from ? stamp(query.from) : "start"}-${query.to ? stamp(query.to) : "now"}` : stamp(now);
  return `audit-${slug}-${range}.${query.format}`;
}

export function exportResponse(slug: string, query: ExportQuery, lines: AsyncGenerator<string> & { unsealed?: number }): Response {
  return new Response(linesToStream(lines), {
    status: 200,
    headers: {
      // Newer rows not sealed into the chain yet, so not in this export.
      ...(lines.unsealed === undefined ? {} : { "x-audit-unsealed": String(lines.unsealed) }),
      "content-type": exportContentTypes[query.format],
      "content-disposition": `attachment; filename="${exportFilename(slug, query)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
