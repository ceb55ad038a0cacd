import type { ReactNode } from "react";
import Link from "next/link";
import { PageShell } from "@/components/page-shell";
import { requireOperator } from "@/lib/http/page-operator";
import { SignOutButton } from "../_components/sign-out-button";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const operator = await requireOperator();
  return (
    <PageShell
      brand={<Link href="/platform/tenants">Tenant Platform · Operators</Link>}
      nav={
        <>
          <Link href="/platform/tenants" className="hover:text-slate-900">
            Tenants
          </Link>
          <Link href="/platform/audit" className="hover:text-slate-900">
            Audit log
          </Link>
          <span className="max-w-48 truncate text-slate-500" title={operator.email} data-testid="operator-email">
            {operator.email}
          </span>
          <SignOutButton />
        </>
      }
    >
      {children}
    </PageShell>
  );
}
