// The compliance report for a period: headline counts, counts by action and by actor,
// and each change to roles, API keys and integrations with its diff.
import Link from "next/link";
import type { ChangeItem, ComplianceReport } from "@/lib/audit/report";
import { AuditChanges } from "./audit-changes";
import { auditHref, targetPage } from "./audit-log-table";
import { Time } from "./time";

function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <div className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

const sectionTitle = "mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500";

/** Member rows are long; for role changes only these fields matter. */
const roleFields = ["email", "name", "role", "status"] as const;

function Changes({ title, items, testId, fields }: { title: string; items: ChangeItem[]; testId: string; fields?: readonly string[] }) {
  return (
    <section data-testid={testId}>
      <h2 className={sectionTitle}>
        {title} <span className="font-normal normal-case text-slate-400">({items.length})</span>
      </h2>
      {items.length === 0 ? (
        <p className="text-sm text-slate-500">None in this period.</p>
      ) : (
        <ol className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white text-sm shadow-sm">
          {items.map((c) => {
            const target = targetPage(c);
            return (
              <li key={c.seq} className="grid gap-2 p-3 md:grid-cols-[10rem_1fr]" data-testid="report-change" data-action={c.action}>
                <div className="text-xs text-slate-500">
                  <Time value={c.occurredAt} />
                  <div>{c.actorLabel ?? "—"}</div>
                </div>
                <div className="min-w-0 space-y-1">
                  <div className="flex flex-wrap gap-x-3">
                    <span className="font-mono text-xs">{c.action}</span>
                    {target ? (
                      <Link href={target} className="text-xs text-indigo-700 hover:underline">
                        {c.targetType} {c.targetId}
                      </Link>
                    ) : null}
                  </div>
                  <p className="break-words">{c.summary}</p>
                  <AuditChanges action={c.action} changes={c.changes} fields={fields && c.action.startsWith("user.") ? fields : undefined} />
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

export function AuditReportView({ report }: { report: ComplianceReport }) {
  const period = { from: report.from, to: report.to };
  return (
    <div className="space-y-8" data-testid="audit-report">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Stat label="Events" value={report.totalEvents} testId="report-total" />
        <Stat label="Sign-in failures" value={report.signInFailures} testId="report-sign-in-failures" />
        <Stat label="Lockouts" value={report.lockouts} testId="report-lockouts" />
        <Stat label="Permission denials" value={report.permissionDenials} testId="report-permission-denials" />
      </div>
      <div className="grid gap-6 md:grid-cols-2">
        <section data-testid="report-by-action">
          <h2 className={sectionTitle}>By action</h2>
          <table className="w-full rounded-lg border border-slate-200 bg-white text-sm shadow-sm">
            <tbody className="divide-y divide-slate-100">
              {report.byAction.map((a) => (
                <tr key={a.action}>
                  <td className="px-3 py-1.5 font-mono text-xs">
                    <Link href={auditHref({ action: a.action, ...period })} className="hover:underline">
                      {a.action}
                    </Link>
                  </td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{a.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section data-testid="report-by-actor">
          <h2 className={sectionTitle}>By actor</h2>
          <table className="w-full rounded-lg border border-slate-200 bg-white text-sm shadow-sm">
            <tbody className="divide-y divide-slate-100">
              {report.byActor.map((a) => (
                <tr key={`${a.actorType}:${a.actorId ?? ""}`}>
                  <td className="px-3 py-1.5">
                    {a.actorId ? (
                      <Link href={auditHref({ actor: a.actorId, ...period })} className="break-all hover:underline">
                        {a.actorLabel ?? a.actorId}
                      </Link>
                    ) : (
                      <span>{a.actorLabel ?? "—"}</span>
                    )}
                    <span className="ml-2 text-xs text-slate-500">{a.actorType}</span>
                  </td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{a.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <Changes title="Role changes" items={report.changes.roles} testId="report-roles" fields={roleFields} />
      <Changes title="API key changes" items={report.changes.apiKeys} testId="report-api-keys" />
      <Changes title="Integration changes" items={report.changes.integrations} testId="report-integrations" />
    </div>
  );
}
