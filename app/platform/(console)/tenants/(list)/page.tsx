import type { Metadata } from "next";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { TruncatedText } from "@/components/truncated-text";
import { Section } from "@/components/section";
import { tenantSearchQuery, tenantStatuses } from "@/lib/console/console-input";
import { searchTenants } from "@/lib/console/tenant-overview";
import { requireOperator } from "@/lib/http/page-operator";
import { CreateTenantForm } from "../../../_components/create-tenant-form";
import { textLimits } from "@/lib/zod/limits";

export const metadata: Metadata = { title: "Tenants · Operators" };

const count = (n: number | null) => (n === null ? "—" : n.toLocaleString("en"));

export default async function TenantsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireOperator();
  const raw = Object.fromEntries(Object.entries(await searchParams).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
  const parsed = tenantSearchQuery.safeParse(raw);
  const query = parsed.success ? parsed.data : { page: 1 };
  const result = await searchTenants(query);
  const pageLink = (page: number) =>
    `/platform/tenants?${new URLSearchParams({ ...(query.q ? { q: query.q } : {}), ...(query.status ? { status: query.status } : {}), page: String(page) })}`;
  return (
    <>
      <h1 className="mb-6 text-2xl font-bold">Tenants</h1>
      <Section id="create-tenant" title="Create a tenant">
        <CreateTenantForm />
      </Section>
      <form method="get" action="/platform/tenants" className="mb-4 flex flex-wrap items-end gap-3" data-testid="tenant-search">
        <label className="text-sm">
          <span className="block font-medium text-slate-700">Search</span>
          <input
            name="q"
            maxLength={textLimits.consoleQuery}
            defaultValue={query.q ?? ""}
            placeholder="slug or name"
            className="mt-1 rounded-md border border-slate-300 px-3 py-2 text-sm"
          />
        </label>
        <label className="text-sm">
          <span className="block font-medium text-slate-700">Status</span>
          <select name="status" defaultValue={query.status ?? ""} className="mt-1 rounded-md border border-slate-300 px-3 py-2 text-sm">
            <option value="">any</option>
            {tenantStatuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">
          Search
        </button>
      </form>
      {!parsed.success ? (
        <p role="alert" className="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="search-error">
          The search was not understood ({parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ")}); showing all tenants.
        </p>
      ) : null}
      <p className="mb-2 text-sm text-slate-600" data-testid="tenant-total">
        {result.total} tenant{result.total === 1 ? "" : "s"}
      </p>
      <DataTable
        testId="tenants-table"
        columns={[
          { label: "Tenant" },
          { label: "Status" },
          { label: "Created" },
          { label: "Members" },
          { label: "API requests (24 h)" },
          { label: "Webhooks (24 h)" },
        ]}
      >
        {result.tenants.map((t) => (
          <tr key={t.slug} data-testid={`tenant-row-${t.slug}`}>
            <td className="max-w-64 px-3 py-2">
              <Link href={`/platform/tenants/${t.slug}`} className="font-medium text-indigo-700 underline">
                {t.slug}
              </Link>
              <TruncatedText value={t.name} className="max-w-64 text-xs text-slate-500" />
            </td>
            <td className="px-3 py-2" data-testid="tenant-status">
              {t.status}
            </td>
            <td className="px-3 py-2 whitespace-nowrap">
              <Time value={t.createdAt} />
            </td>
            <td className="px-3 py-2" data-testid="tenant-members">
              {count(t.members)}
            </td>
            <td className="px-3 py-2" data-testid="tenant-api">
              {count(t.apiRequests24h)}
            </td>
            <td className="px-3 py-2" data-testid="tenant-webhooks">
              {count(t.webhooks24h)}
            </td>
          </tr>
        ))}
      </DataTable>
      {result.pages > 1 ? (
        <nav className="mt-4 flex gap-4 text-sm" aria-label="Pages">
          {result.page > 1 ? <Link href={pageLink(result.page - 1)}>Previous</Link> : null}
          <span>
            Page {result.page} of {result.pages}
          </span>
          {result.page < result.pages ? <Link href={pageLink(result.page + 1)}>Next</Link> : null}
        </nav>
      ) : null}
    </>
  );
}
