// The audit section's two views, under the page title.
import Link from "next/link";

export function AuditTabs({ current }: { current: "log" | "report" }) {
  const tab = (active: boolean) =>
    `border-b-2 px-1 pb-2 ${active ? "border-indigo-700 font-semibold text-slate-900" : "border-transparent text-slate-600 hover:text-slate-900"}`;
  return (
    <nav className="mb-6 flex gap-6 border-b border-slate-200 text-sm" aria-label="Audit" data-testid="audit-tabs">
      <Link href="/audit" className={tab(current === "log")} aria-current={current === "log" ? "page" : undefined}>
        Audit log
      </Link>
      <Link href="/audit/report" className={tab(current === "report")} aria-current={current === "report" ? "page" : undefined}>
        Compliance report
      </Link>
    </nav>
  );
}
