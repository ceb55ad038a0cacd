// The chain check on the audit page: a link that runs it, and its result.
import Link from "next/link";
import type { ChainReport } from "@/lib/audit/verify-chain";

export function AuditVerify({ report, href }: { report: ChainReport | null; href: string }) {
  return (
    <div className="flex flex-wrap items-center gap-3 text-sm" data-testid="audit-verify">
      <Link
        href={href}
        prefetch={false}
        className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-700 shadow-sm hover:bg-slate-50"
        data-testid="audit-verify-button"
      >
        Verify chain
      </Link>
      {report ? (
        report.ok ? (
          <span className="rounded-full bg-emerald-50 px-3 py-1 text-emerald-800 ring-1 ring-emerald-200" data-testid="audit-verify-result" data-ok="true">
            Chain intact: {report.rowsChecked} rows checked
            {report.startedAfterSeq !== "0" ? ` after retained point #${report.startedAfterSeq}` : ""}, last #{report.lastSeq}
            {report.unsealed ? ` (${report.unsealed} newer not sealed yet)` : ""}
          </span>
        ) : (
          <span className="rounded-full bg-rose-50 px-3 py-1 text-rose-800 ring-1 ring-rose-200" data-testid="audit-verify-result" data-ok="false" role="alert">
            Chain broken at #{report.firstBroken?.seq}: {report.firstBroken?.problem}
          </span>
        )
      ) : null}
    </div>
  );
}
