// The audit filters as URL query parameters (snake_case), for the API and the admin
// pages alike: /api/v1/audit-logs?action=user.&from=...&cursor=... and /audit?... take
// the same names. Empty values count as absent (an HTML GET form sends every field),
// and a time without a zone is read as UTC, so the server's own zone never matters.
import type { z } from "zod";
import { AppError, type FieldError } from "@/lib/errors/app-error";
import { exportQuerySchema, type ExportQuery } from "./export";
import { auditQuerySchema, type AuditQuery } from "./query-schema";
import { reportQuerySchema, type ReportQuery } from "./report";

/** Query parameter -> field of the library's query schema. */
export const listParams = {
  actor: "actorId",
  actor_type: "actorType",
  action: "action",
  target_type: "targetType",
  target_id: "targetId",
  from: "from",
  to: "to",
  q: "q",
  cursor: "cursor",
  limit: "limit",
} as const satisfies Record<string, keyof AuditQuery>;

export const exportParams = { format: "format", from: "from", to: "to" } as const satisfies Record<string, keyof ExportQuery>;
export const reportParams = { from: "from", to: "to" } as const satisfies Record<string, keyof ReportQuery>;

export type ListParamName = keyof typeof listParams;

const timeParams = new Set(["from", "to"]);
const naiveTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/** `2026-11-27T10:00` (an <input type="datetime-local">) is UTC; anything else is left to the schema. */
export function utcTime(value: string): string {
  return naiveTime.test(value) ? `${value}Z` : value;
}

export type ParamsResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[]; message: string };

/** Search params of a page (`string | string[] | undefined` values) as one string per name (the last). */
export function lastValues(params: Record<string, string | string[] | undefined> | URLSearchParams): Record<string, string> {
  if (params instanceof URLSearchParams) return Object.fromEntries(params.entries());
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    const value = Array.isArray(v) ? v.at(-1) : v;
    if (value !== undefined) out[k] = value;
  }
  return out;
}

function parseParams<S extends z.ZodType>(
  schema: S,
  names: Record<string, string>,
  raw: Record<string, string>,
  options: { strict: boolean; what: string },
): ParamsResult<z.infer<S>> {
  const input: Record<string, string> = {};
  const errors: FieldError[] = [];
  const paramOf = new Map(Object.entries(names).map(([param, field]) => [field, param]));
  for (const [param, value] of Object.entries(raw)) {
    const field = names[param];
    if (!field) {
      if (options.strict) errors.push({ path: param, message: `unknown parameter (use ${Object.keys(names).join(", ")})` });
      continue;
    }
    const trimmed = value.trim();
    if (trimmed === "") continue;
    input[field] = timeParams.has(param) ? utcTime(trimmed) : trimmed;
  }
  const result = schema.safeParse(input);
  if (result.success && !errors.length) return { ok: true, value: result.data };
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? "");
      errors.push({ path: paramOf.get(field) ?? field, message: issue.message });
    }
  }
  const summary = errors.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join("; ");
  return { ok: false, errors, message: `Invalid ${options.what}: ${summary}` };
}

function orThrow<T>(result: ParamsResult<T>): T {
  if (result.ok) return result.value;
  throw new AppError("bad_request", result.message, result.errors);
}

export function safeListParams(raw: Record<string, string>, strict = true): ParamsResult<AuditQuery> {
  return parseParams(auditQuerySchema, listParams, raw, { strict, what: "audit log query" });
}

export function safeReportParams(raw: Record<string, string>, strict = true): ParamsResult<ReportQuery> {
  return parseParams(reportQuerySchema, reportParams, raw, { strict, what: "report period" });
}

/** The list filters of an API request; a 400 naming each bad parameter otherwise. */
export const parseListParams = (raw: Record<string, string>): AuditQuery => orThrow(safeListParams(raw));
export const parseExportParams = (raw: Record<string, string>): ExportQuery =>
  orThrow(parseParams(exportQuerySchema, exportParams, raw, { strict: true, what: "export query" }));
export const parseReportParams = (raw: Record<string, string>): ReportQuery => orThrow(safeReportParams(raw));
