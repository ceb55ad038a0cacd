// The `changes` of an audit row, readable: an update as "field: before -> after" per
// field; a created or deleted row as the values it had. Secrets arrive already
// redacted ("[redacted]") and are shown as such.
import type { ReactNode } from "react";

type Diff = Record<string, { before: unknown; after: unknown }>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True when every field is a {before, after} pair (what the row-change trigger writes on UPDATE). */
export function isDiff(changes: unknown): changes is Diff {
  if (!isRecord(changes)) return false;
  const values = Object.values(changes);
  return values.length > 0 && values.every((v) => isRecord(v) && Object.keys(v).length === 2 && "before" in v && "after" in v);
}

function Value({ value }: { value: unknown }): ReactNode {
  if (value === null || value === undefined) return <span className="italic text-slate-400">empty</span>;
  if (value === "[redacted]") return <span className="rounded bg-slate-100 px-1 text-slate-500">redacted</span>;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return <span className="break-all font-mono">{text}</span>;
}

function pick(changes: Record<string, unknown>, fields?: readonly string[]): [string, unknown][] {
  const entries = Object.entries(changes);
  return fields ? entries.filter(([k]) => fields.includes(k)) : entries;
}

/**
 * `changes` of one row. `action` decides how values read: `*.deleted` shows what was
 * removed, anything else that is not a diff shows the values as written.
 * `fields` limits a long created/deleted row to the fields that matter (the report).
 */
export function AuditChanges({ action, changes, fields }: { action: string; changes: unknown; fields?: readonly string[] }) {
  if (!isRecord(changes) || Object.keys(changes).length === 0) return null;
  if (isDiff(changes)) {
    return (
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs" data-testid="audit-diff">
        {pick(changes, fields).map(([field, pair]) => {
          const { before, after } = pair as Diff[string];
          return (
            <div key={field} className="contents" data-testid="audit-diff-field" data-field={field}>
              <dt className="font-mono text-slate-500">{field}</dt>
              <dd>
                <del className="text-rose-700 no-underline" data-testid="audit-diff-before">
                  <Value value={before} />
                </del>
                <span className="px-1 text-slate-400" aria-label="changed to">
                  →
                </span>
                <ins className="text-emerald-700 no-underline" data-testid="audit-diff-after">
                  <Value value={after} />
                </ins>
              </dd>
            </div>
          );
        })}
      </dl>
    );
  }
  const removed = action.endsWith(".deleted");
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs" data-testid="audit-values" data-kind={removed ? "removed" : "values"}>
      {pick(changes, fields).map(([field, value]) => (
        <div key={field} className="contents" data-testid="audit-value-field" data-field={field}>
          <dt className="font-mono text-slate-500">{field}</dt>
          <dd className={removed ? "text-rose-700 line-through decoration-rose-300" : "text-slate-800"}>
            <Value value={value} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
