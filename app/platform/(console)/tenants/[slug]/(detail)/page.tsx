import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { Section } from "@/components/section";
import { slugParam } from "@/lib/console/console-input";
import { tenantDetail } from "@/lib/console/tenant-health";
import { AppError } from "@/lib/errors/app-error";
import { requireOperator } from "@/lib/http/page-operator";
import { AddDomainForm, DomainButtons, StatusActions } from "../../../../_components/tenant-actions";

export const metadata: Metadata = { title: "Tenant · Operators" };

const count = (n: number | null) => (n === null ? "—" : n.toLocaleString("en"));
const percent = (r: number | null) => (r === null ? "—" : `${Math.round(r * 1000) / 10}%`);

export default async function TenantDetailPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireOperator();
  const slug = slugParam.safeParse((await params).slug);
  if (!slug.success) notFound();
  const verifyAudit = (await searchParams).verifyAudit === "1";
  const detail = await tenantDetail(slug.data, { verifyAudit }).catch((err: unknown) => {
    if (err instanceof AppError && err.code === "not_found") notFound();
    throw err;
  });
  const { tenant, stats, audit } = detail;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/platform/tenants" className="underline">
          Tenants
        </Link>
      </p>
      <h1 className="mb-1 text-2xl font-bold" data-testid="tenant-title">
        {tenant.slug}
      </h1>
      <p className="mb-6 truncate text-slate-600" title={tenant.name}>
        {tenant.name} · <span data-testid="tenant-detail-status">{tenant.status}</span> · created <Time value={tenant.createdAt} /> · cluster {tenant.cluster}
      </p>

      <Section id="status" title="Status">
        <StatusActions slug={tenant.slug} status={tenant.status} />
      </Section>

      <Section id="usage" title="Usage">
        <dl className="grid grid-cols-3 gap-4 text-sm">
          <div>
            <dt className="text-slate-500">Members</dt>
            <dd data-testid="detail-members">{count(stats.members)}</dd>
          </div>
          <div>
            <dt className="text-slate-500">API requests (24 h)</dt>
            <dd data-testid="detail-api">{count(stats.apiRequests24h)}</dd>
          </div>
          <div>
            <dt className="text-slate-500">Webhooks (24 h)</dt>
            <dd data-testid="detail-webhooks">{count(stats.webhooks24h)}</dd>
          </div>
        </dl>
      </Section>

      <Section id="health" title="Health">
        <p className="mb-3 text-sm" data-testid="dead-letters">
          Dead letters (webhook events that failed for good): <strong>{detail.deadLetters}</strong>
        </p>
        {detail.integrations.length === 0 ? (
          <p className="text-sm text-slate-500">No integrations.</p>
        ) : (
          <DataTable
            testId="integration-health"
            columns={[{ label: "Integration" }, { label: "Kind" }, { label: "Status" }, { label: "Success (1 h)" }, { label: "Backlog" }, { label: "Dead" }]}
          >
            {detail.integrations.map((i) => (
              <tr key={i.id}>
                <td className="max-w-64 truncate px-3 py-2" title={i.name}>
                  {i.name}
                </td>
                <td className="px-3 py-2">{i.kind}</td>
                <td className="px-3 py-2">{i.health ? `${i.health.status}${i.health.circuit ? `, circuit ${i.health.circuit.state}` : ""}` : "unknown"}</td>
                <td className="px-3 py-2">{percent(i.health?.successRate ?? null)}</td>
                <td className="px-3 py-2">{i.health?.inbox.backlog ?? "—"}</td>
                <td className="px-3 py-2">{i.health?.inbox.dead ?? "—"}</td>
              </tr>
            ))}
          </DataTable>
        )}
        <div className="mt-4 text-sm" data-testid="tenant-audit-status">
          Audit chain:{" "}
          {audit.verification ? (
            audit.verification.ok ? (
              <strong className="text-green-700">intact ({audit.verification.rowsChecked} rows checked)</strong>
            ) : (
              <strong className="text-red-700">
                BROKEN at seq {audit.verification.firstBroken?.seq}: {audit.verification.firstBroken?.problem}
              </strong>
            )
          ) : (
            <Link href={`/platform/tenants/${tenant.slug}?verifyAudit=1`} className="underline" data-testid="verify-tenant-audit">
              verify now
            </Link>
          )}
          {audit.unsealed ? <span className="text-slate-500"> · {audit.unsealed} row(s) not sealed yet</span> : null}
        </div>
      </Section>

      <Section id="domains" title="Custom domains">
        {detail.domains.length ? (
          <ul className="mb-4 divide-y divide-slate-100 text-sm" data-testid="domain-list">
            {detail.domains.map((d) => (
              <li key={d.hostname} className="flex items-center justify-between gap-3 py-2">
                <span className="min-w-0">
                  <span className="block truncate" title={d.hostname}>
                    {d.hostname} {d.primary ? <em className="text-slate-500">primary</em> : null}{" "}
                    {d.verified ? null : <em className="text-amber-700">pending verification</em>}
                  </span>
                  {d.verification && !d.verified ? (
                    <span className="block break-all font-mono text-xs text-slate-500" data-testid={`txt-${d.hostname}`}>
                      TXT {d.verification.name} = {d.verification.value}
                    </span>
                  ) : null}
                </span>
                <DomainButtons slug={tenant.slug} hostname={d.hostname} verified={d.verified} primary={d.primary} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="mb-4 text-sm text-slate-500">No custom domains.</p>
        )}
        <AddDomainForm slug={tenant.slug} />
      </Section>
    </>
  );
}
