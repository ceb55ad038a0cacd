// The audit log as a list of rows: when, who (linked to the actor), what, on what
// (linked to the target), the summary and a readable diff of the changes.
import Link from "next/link";
import type { AuditEntry } from "@/lib/audit/search";
import { AuditChanges } from "./audit-changes";
import { Time } from "./time";

/** `/audit` with the given query parameters (empty values left out). */
export function auditHref(params: Record<string, string | undefined>, path = "/audit"): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) qs.set(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** Where an actor lives in the admin UI, if anywhere. */
export function actorPage(entry: Pick<AuditEntry, "actorType" | "actorId">): string | null {
  if (entry.actorType === "user" && entry.actorId) return `/members#member-${encodeURIComponent(entry.actorId)}`;
  return null;
}

/** Where a target lives in the admin UI: its own page where there is one, else its history here. */
export function targetPage(entry: Pick<AuditEntry, "targetType" | "targetId">): string | null {
  if (!entry.targetType || !entry.targetId) return null;
  if (entry.targetType === "user") return `/members#member-${encodeURIComponent(entry.targetId)}`;
  return auditHref({ target_type: entry.targetType, target_id: entry.targetId });
}

const shortId = (id: string) => (id.length > 13 ? `${id.slice(0, 8)}…` : id);

function Actor({ entry }: { entry: AuditEntry }) {
  const label = entry.actorLabel || entry.actorId || entry.actorType;
  const page = actorPage(entry);
  return (
    <div className="min-w-0" data-testid="audit-actor">
      {page ? (
        <Link href={page} className="break-all text-indigo-700 hover:underline" data-testid="audit-actor-link">
          {label}
        </Link>
      ) : (
        <span className="break-all">{label}</span>
      )}
      <div className="text-xs text-slate-500">
        {entry.actorType}
        {entry.actorId ? (
          <>
            {" · "}
            <Link href={auditHref({ actor: entry.actorId })} className="hover:underline" title="Only this actor's rows">
              filter
            </Link>
          </>
        ) : null}
      </div>
    </div>
  );
}

function Target({ entry }: { entry: AuditEntry }) {
  const page = targetPage(entry);
  if (!entry.targetType) return <span className="text-slate-400">—</span>;
  return (
    <div className="min-w-0" data-testid="audit-target">
      <span className="text-slate-500">{entry.targetType}</span>{" "}
      {entry.targetId ? (
        page ? (
          <Link href={page} className="font-mono text-indigo-700 hover:underline" title={entry.targetId} data-testid="audit-target-link">
            {shortId(entry.targetId)}
          </Link>
        ) : (
          <span className="font-mono">{shortId(entry.targetId)}</span>
        )
      ) : null}
      {entry.targetId && entry.targetType === "user" ? (
        <div className="text-xs">
          <Link href={auditHref({ target_type: entry.targetType, target_id: entry.targetId })} className="text-slate-500 hover:underline">
            history
          </Link>
        </div>
      ) : null}
    </div>
  );
}

export function AuditLogTable({ entries }: { entries: AuditEntry[] }) {
  if (entries.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-500" data-testid="audit-empty">
        No audit rows match these filters.
      </p>
    );
  }
  return (
    <ol className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white shadow-sm" data-testid="audit-rows">
      {entries.map((e) => (
        <li key={e.seq} className="grid gap-3 p-4 text-sm md:grid-cols-[10rem_12rem_1fr]" data-testid="audit-row" data-seq={e.seq} data-action={e.action}>
          <div className="text-xs text-slate-500">
            <Time value={e.occurredAt} />
            <div className="font-mono">#{e.seq}</div>
          </div>
          <Actor entry={e} />
          <div className="min-w-0 space-y-2">
            <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
              <Link
                href={auditHref({ action: e.action })}
                className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700 hover:bg-slate-200"
                data-testid="audit-action"
              >
                {e.action}
              </Link>
              <Target entry={e} />
            </div>
            <p className="break-words text-slate-800" data-testid="audit-summary">
              {e.summary}
            </p>
            <AuditChanges action={e.action} changes={e.changes} />
            {e.metadata && typeof e.metadata === "object" && Object.keys(e.metadata).length ? (
              <details className="text-xs text-slate-600">
                <summary className="cursor-pointer select-none">details</summary>
                <AuditChanges action="metadata" changes={e.metadata} />
              </details>
            ) : null}
            <p className="text-xs text-slate-400">{[e.ip, e.requestId ? `request ${e.requestId}` : null].filter(Boolean).join(" · ")}</p>
          </div>
        </li>
      ))}
    </ol>
  );
}
