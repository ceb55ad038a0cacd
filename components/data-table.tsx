import type { ReactNode } from "react";

export interface Column {
  label: string;
  /** Read by screen readers only (an actions column). */
  hidden?: boolean;
}

/** The admin pages' table: header cells from `columns`, rows as children. */
export function DataTable({ testId, columns, framed = true, children }: { testId: string; columns: Column[]; framed?: boolean; children: ReactNode }) {
  return (
    // `relative`: visually hidden labels in the rows (sr-only, absolutely positioned) are
    // then scrolled and clipped with the table, instead of widening the page on a phone.
    <div className={framed ? "relative overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm" : "relative overflow-x-auto"}>
      <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid={testId}>
        <thead className={`${framed ? "bg-slate-50 " : ""}text-left text-xs font-semibold uppercase tracking-wide text-slate-500`}>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className="px-3 py-2">
                {c.hidden ? <span className="sr-only">{c.label}</span> : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}
