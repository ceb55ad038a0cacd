import type { Metadata } from "next";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { TruncatedText } from "@/components/truncated-text";
import { platformAuditQuery } from "@/lib/console/console-input";
import { requireOperator } from "@/lib/http/page-operator";
import { verifyPlatformAudit } from "@/lib/platform-audit/chain";
import { listPlatformAudit } from "@/lib/platform-audit/read";
import { textLimits } from "@/lib/zod/limits";

export const metadata: Metadata = { title: "Platform audit log · Operators" };

export default async function PlatformAuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireOperator();
  const all = await searchParams;
  const verify = all.verify === "1";
  const raw = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== "" && e[0] !== "verify"));
  const parsed = platformAuditQuery.safeParse(raw);
  const query = parsed.success ? parsed.data : {};
  const [page, report] = await Promise.all([listPlatformAudit(query), verify ? verifyPlatformAudit() : Promise.resolve(null)]);
  return (
    <>
      <h1 className="mb-2 text-2xl font-bold">Platform audit log</h1>
      <p className="mb-4 text-sm text-slate-600">Every operator action, hash-chained like the tenants&apos; logs.</p>
      <div className="mb-4 flex flex-wrap items-center gap-4 text-sm">
        <span data-testid="platform-audit-verify">
          {report ? (
            report.ok ? (
              <strong className="text-green-700">Chain intact: {report.rowsChecked} rows checked</strong>
            ) : (
              <strong className="text-red-700">
                CHAIN BROKEN at seq {report.firstBroken?.seq}: {report.firstBroken?.problem}
              </strong>
            )
          ) : (
            <Link href="/platform/audit?verify=1" className="underline" data-testid="verify-platform-audit">
              Verify the chain
            </Link>
          )}
        </span>
        <a href="/platform/api/audit/export?format=jsonl" className="underline" data-testid="export-jsonl">
          Export JSON Lines
        </a>
        <a href="/platform/api/audit/export?format=csv" className="underline">
          Export CSV
        </a>
      </div>
      <form method="get" action="/platform/audit" className="mb-4 flex items-end gap-3">
        <label className="text-sm">
          <span className="block font-medium text-slate-700">Action starts with</span>
          <input
            name="action"
            maxLength={textLimits.consoleAction}
            defaultValue={query.action ?? ""}
            placeholder="tenant."
            className="mt-1 rounded-md border border-slate-300 px-3 py-2 text-sm"
          />
        </label>
        <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">
          Filter
        </button>
      </form>
      {!parsed.success ? (
        <p role="alert" className="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          The filter was not understood; showing everything.
        </p>
      ) : null}
      <DataTable testId="platform-audit-table" columns={[{ label: "Seq" }, { label: "Time" }, { label: "Actor" }, { label: "Action" }, { label: "Summary" }]}>
        {page.rows.map((r) => (
          <tr key={r.seq}>
            <td className="px-3 py-2 font-mono text-xs">
              {r.seq}
              {r.sealed ? "" : " (sealing)"}
            </td>
            <td className="px-3 py-2 whitespace-nowrap">
              <Time value={r.occurredAt} />
            </td>
            <td className="px-3 py-2">
              <TruncatedText value={r.actorLabel ?? r.actorType} className="max-w-48" />
            </td>
            <td className="px-3 py-2 font-mono text-xs">{r.action}</td>
            <td className="px-3 py-2">
              <TruncatedText value={r.summary} className="max-w-96" />
            </td>
          </tr>
        ))}
      </DataTable>
      {page.nextBefore ? (
        <p className="mt-4 text-sm">
          <Link href={`/platform/audit?${new URLSearchParams({ ...(query.action ? { action: query.action } : {}), before: page.nextBefore })}`}>Older</Link>
        </p>
      ) : null}
    </>
  );
}
