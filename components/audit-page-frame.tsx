// The frame of the audit pages: the tenant's shell with the audit section's tabs.
import Link from "next/link";
import type { ReactNode } from "react";
import { PageShell } from "./page-shell";

export function AuditPageFrame({ tenantName, current, children }: { tenantName: string; current: "log" | "report"; children: ReactNode }) {
  const tab = (active: boolean) => (active ? "font-semibold text-slate-900" : "hover:text-slate-900");
  return (
    <PageShell
      brand={
        <Link href="/" data-testid="tenant-name">
          {tenantName}
        </Link>
      }
      nav={
        <>
          <Link href="/members" className="hover:text-slate-900">
            Members
          </Link>
          <Link href="/audit" className={tab(current === "log")} aria-current={current === "log" ? "page" : undefined}>
            Audit log
          </Link>
          <Link href="/audit/report" className={tab(current === "report")} aria-current={current === "report" ? "page" : undefined}>
            Compliance report
          </Link>
        </>
      }
    >
      {children}
    </PageShell>
  );
}
