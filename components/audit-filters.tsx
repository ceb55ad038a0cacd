// The audit log's filters as a plain GET form: the query string is the state, so a
// filtered view can be bookmarked and paged with cursor links, with no client code.
// Parameter names are the API's (lib/audit/query-params.ts).
import { actorTypes } from "@/lib/audit/context";
import { textLimits } from "@/lib/zod/limits";

export interface AuditFilterValues {
  action?: string;
  actor?: string;
  actor_type?: string;
  target_type?: string;
  target_id?: string;
  from?: string;
  to?: string;
  q?: string;
  limit?: string;
}

/** An ISO time (or a datetime-local value) as the value of an <input type="datetime-local">, in UTC. */
export function localInputValue(value: string | undefined): string {
  if (!value) return "";
  const d = new Date(/Z|[+-]\d{2}:?\d{2}$/.test(value) || !value.includes("T") ? value : `${value}Z`);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().slice(0, 19);
}

const input =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
const label = "block text-xs font-medium text-slate-600";

function Field({
  name,
  text,
  value,
  placeholder,
  type = "text",
  maxLength,
}: {
  name: string;
  text: string;
  value?: string;
  placeholder?: string;
  type?: string;
  maxLength?: number;
}) {
  return (
    <label className={label}>
      {text}
      <input
        className={input}
        type={type}
        name={name}
        id={`audit-filter-${name}`}
        defaultValue={value ?? ""}
        placeholder={placeholder}
        maxLength={maxLength}
        step={type === "datetime-local" ? 1 : undefined}
      />
    </label>
  );
}

export function AuditFilters({ values, action = "/audit" }: { values: AuditFilterValues; action?: string }) {
  return (
    <form
      method="get"
      action={action}
      className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-4"
      data-testid="audit-filters"
      role="search"
      aria-label="Filter the audit log"
    >
      <Field name="action" maxLength={textLimits.auditAction} text="Action (prefix)" value={values.action} placeholder="user." />
      <Field name="q" maxLength={textLimits.auditQuery} text="Summary contains" value={values.q} placeholder="words" />
      <label className={label}>
        Actor type
        <select className={input} name="actor_type" id="audit-filter-actor_type" defaultValue={values.actor_type ?? ""}>
          <option value="">any</option>
          {actorTypes.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <Field name="actor" maxLength={textLimits.auditId} text="Actor id" value={values.actor} placeholder="user or key id" />
      <Field name="target_type" maxLength={textLimits.auditTargetType} text="Target type" value={values.target_type} placeholder="user" />
      <Field name="target_id" maxLength={textLimits.auditId} text="Target id" value={values.target_id} />
      <Field name="from" text="From (UTC)" type="datetime-local" value={localInputValue(values.from)} />
      <Field name="to" text="To (UTC)" type="datetime-local" value={localInputValue(values.to)} />
      <div className="flex items-end gap-3 sm:col-span-2 lg:col-span-4">
        <label className={label}>
          Rows per page
          <select className={input} name="limit" id="audit-filter-limit" defaultValue={values.limit ?? "50"}>
            {["25", "50", "100", "200"].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button
          type="submit"
          className="rounded-md bg-indigo-700 px-4 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-indigo-800"
          data-testid="audit-filter-submit"
        >
          Filter
        </button>
        <a href={action} className="py-1.5 text-sm text-slate-600 hover:underline">
          Clear
        </a>
      </div>
    </form>
  );
}
