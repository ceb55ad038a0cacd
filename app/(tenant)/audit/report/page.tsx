// The compliance report for a period (default: the last 30 days), as a page.
import type { Metadata } from "next";
import { AuditTabs } from "@/components/audit-tabs";
import { AuditReportView } from "@/components/audit-report-view";
import { localInputValue } from "@/components/audit-filters";
import { lastValues, safeReportParams, utcTime } from "@/lib/audit/query-params";
import { complianceReport } from "@/lib/audit/report";
import { tenantPool } from "@/lib/db/tenant-pool";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { TenantShell } from "../../_components/tenant-shell";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Compliance report" };

const DAY_MS = 86_400_000;

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AuditReportPage({ searchParams }: { searchParams: SearchParams }) {
  const { tenant, principal } = await requirePagePrincipal("audit:read");
  const raw = lastValues(await searchParams);
  // Missing ends default to the 30 days up to the next whole minute.
  const now = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  const to = raw.to?.trim() || now.toISOString();
  const toTime = new Date(utcTime(to)).getTime();
  // (A `to` at the very start of JavaScript's range has no 30 days before it: use now.)
  const before = new Date(toTime - 30 * DAY_MS);
  const from = raw.from?.trim() || new Date(Number.isNaN(before.getTime()) ? now.getTime() - 30 * DAY_MS : before.getTime()).toISOString();
  const parsed = safeReportParams({ from, to }, false);
  const report = parsed.ok ? await complianceReport(await tenantPool(tenant.slug), tenant.slug, parsed.value) : null;

  const input =
    "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <AuditTabs current="report" />
      <h1 className="text-2xl font-bold">Compliance report</h1>
      <p className="mt-1 text-sm text-slate-600">
        {report ? (
          <>
            From <time dateTime={report.from}>{report.from}</time> to <time dateTime={report.to}>{report.to}</time>.
          </>
        ) : (
          "Choose a period."
        )}
      </p>
      <form
        method="get"
        action="/audit/report"
        className="mt-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
        data-testid="report-period"
      >
        <label className="block text-xs font-medium text-slate-600">
          From (UTC)
          <input className={input} type="datetime-local" step={1} name="from" id="report-from" defaultValue={localInputValue(from)} />
        </label>
        <label className="block text-xs font-medium text-slate-600">
          To (UTC)
          <input className={input} type="datetime-local" step={1} name="to" id="report-to" defaultValue={localInputValue(to)} />
        </label>
        <button
          type="submit"
          className="rounded-md bg-indigo-700 px-4 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-indigo-800"
          data-testid="report-submit"
        >
          Show report
        </button>
      </form>
      <div className="mt-6">
        {report ? (
          <AuditReportView report={report} />
        ) : (
          <div className="rounded-lg border border-rose-200 bg-rose-50 p-4 text-sm text-rose-800" role="alert" data-testid="report-error">
            {parsed.ok ? null : parsed.message}
          </div>
        )}
      </div>
    </TenantShell>
  );
}
