// The audit log in the admin UI: the API's filters as a GET form, newest first, with
// cursor links for older pages, readable diffs, the chain check and export links.
import type { Metadata } from "next";
import { AuditFilters, type AuditFilterValues } from "@/components/audit-filters";
import { AuditLogTable, auditHref } from "@/components/audit-log-table";
import { AuditTabs } from "@/components/audit-tabs";
import { AuditVerify } from "@/components/audit-verify";
import { lastValues, listParams, safeListParams } from "@/lib/audit/query-params";
import { searchAuditLog } from "@/lib/audit/search";
import { verifyChain } from "@/lib/audit/verify-chain";
import { tenantPool } from "@/lib/db/tenant-pool";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { TenantShell } from "../_components/tenant-shell";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit log" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AuditLogPage({ searchParams }: { searchParams: SearchParams }) {
  const { tenant, principal } = await requirePagePrincipal("audit:read");
  const raw = lastValues(await searchParams);
  // The filters only (no cursor, no verify flag): what links and the form carry along.
  const filters: Record<string, string> = {};
  for (const name of Object.keys(listParams)) if (name !== "cursor" && raw[name]?.trim()) filters[name] = raw[name]!.trim();

  const parsed = safeListParams(raw, false);
  const [page, chain] = await Promise.all([
    parsed.ok ? searchAuditLog(await tenantPool(tenant.slug), tenant.slug, parsed.value) : null,
    raw.verify ? verifyChain(await tenantPool(tenant.slug), tenant.slug) : null,
  ]);
  const period = { from: filters.from, to: filters.to };

  return (
    <TenantShell tenant={tenant} principal={principal}>
      <AuditTabs current="log" />
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold">Audit log</h1>
          <p className="mt-1 text-sm text-slate-600">Every change, sign-in and integration call in {tenant.name}, newest first.</p>
        </div>
        <div className="flex flex-wrap items-center gap-2 text-sm" data-testid="audit-export">
          <span className="text-slate-500">Export{period.from || period.to ? " this period" : ""}:</span>
          <a
            href={auditHref({ format: "csv", ...period }, "/audit/export")}
            className="rounded-md border border-slate-300 bg-white px-3 py-1.5 shadow-sm hover:bg-slate-50"
            data-testid="audit-export-csv"
          >
            CSV
          </a>
          <a
            href={auditHref({ format: "jsonl", ...period }, "/audit/export")}
            className="rounded-md border border-slate-300 bg-white px-3 py-1.5 shadow-sm hover:bg-slate-50"
            data-testid="audit-export-jsonl"
          >
            JSON Lines
          </a>
        </div>
      </div>

      <div className="mt-4">
        <AuditVerify report={chain} href={auditHref({ ...filters, cursor: raw.cursor, verify: "1" })} />
      </div>

      <div className="mt-6">
        <AuditFilters values={filters as AuditFilterValues} />
      </div>

      <div className="mt-6">
        {parsed.ok ? (
          <>
            <AuditLogTable entries={page!.items} />
            <nav className="mt-4 flex items-center justify-between text-sm" aria-label="Pages" data-testid="audit-pagination">
              {raw.cursor ? (
                <a href={auditHref(filters)} className="text-indigo-700 hover:underline" data-testid="audit-newest">
                  ← Newest
                </a>
              ) : (
                <span />
              )}
              {page!.nextCursor ? (
                <a href={auditHref({ ...filters, cursor: page!.nextCursor })} className="text-indigo-700 hover:underline" data-testid="audit-older" rel="next">
                  Older →
                </a>
              ) : null}
            </nav>
          </>
        ) : (
          <div className="rounded-lg border border-rose-200 bg-rose-50 p-4 text-sm text-rose-800" role="alert" data-testid="audit-filter-error">
            <p className="font-medium">These filters are not valid:</p>
            <ul className="mt-1 list-disc pl-5">
              {parsed.errors.map((e) => (
                <li key={`${e.path}:${e.message}`}>
                  {e.path ? <span className="font-mono">{e.path}</span> : null} {e.message}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </TenantShell>
  );
}
