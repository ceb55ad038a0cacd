// The tenant's audit log (lib/audit). Query parameters are the library's query schemas
// under their URL names (lib/audit/query-params.ts).
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { exportQuerySchema } from "@/lib/audit/export";
import { exportParams, listParams, reportParams } from "@/lib/audit/query-params";
import { auditQuerySchema } from "@/lib/audit/query-schema";
import { reportQuerySchema } from "@/lib/audit/report";
import { authenticated, isoDate, json, problems } from "../common";

/** A query schema's fields under their URL parameter names. */
function asParams(schema: z.ZodObject, names: Record<string, string>): z.ZodObject {
  return z.object(Object.fromEntries(Object.entries(names).map(([param, field]) => [param, schema.shape[field]!])));
}

const auditRow = z
  .looseObject({
    seq: z.string().meta({ description: "A bigint, as a string." }),
    occurredAt: isoDate,
    actorType: z.string(),
    actorId: z.string().nullable(),
    actorLabel: z.string().nullable(),
    action: z.string().meta({ example: "user.updated" }),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    summary: z.string(),
  })
  .meta({ id: "AuditRow" });

export const auditPaths: ZodOpenApiPathsObject = {
  "/api/v1/audit-logs": {
    get: authenticated("audit:read", {
      tags: ["Audit"],
      summary: "Search the audit log, newest first",
      requestParams: { query: asParams(auditQuerySchema, listParams) },
      responses: { "200": json(z.object({ data: z.array(auditRow), next_cursor: z.string().nullable() })), ...problems(400) },
    }),
  },
  "/api/v1/audit-logs/export": {
    get: authenticated("audit:read", {
      tags: ["Audit"],
      summary: "Export the log in chain order (CSV or JSON Lines), with hashes",
      description: "Streamed; the export itself is recorded as audit.exported.",
      requestParams: { query: asParams(exportQuerySchema, exportParams) },
      responses: {
        "200": { description: "The rows", content: { "text/csv": { schema: z.string() }, "application/jsonl": { schema: z.string() } } },
        ...problems(400),
      },
    }),
  },
  "/api/v1/audit-logs/report": {
    get: authenticated("audit:read", {
      tags: ["Audit"],
      summary: "Compliance report for a period",
      requestParams: { query: asParams(reportQuerySchema, reportParams) },
      responses: { "200": json(z.looseObject({ from: isoDate, to: isoDate }).meta({ id: "ComplianceReport" })), ...problems(400) },
    }),
  },
  "/api/v1/audit-logs/verify": {
    get: authenticated("audit:read", {
      tags: ["Audit"],
      summary: "Verify the hash chain",
      description: "200 either way: a broken chain is a finding, not a failed request.",
      responses: {
        "200": json(
          z
            .looseObject({ ok: z.boolean(), rowsChecked: z.number().int(), firstBroken: z.object({ seq: z.string(), problem: z.string() }).optional() })
            .meta({ id: "ChainVerification" }),
        ),
      },
    }),
  },
};
