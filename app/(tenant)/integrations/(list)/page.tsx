import type { Metadata } from "next";
import Link from "next/link";
import { can } from "@/lib/auth/principal";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { listIntegrations } from "@/lib/integrations/integrations";
import { listOrganizations } from "@/lib/organizations/organizations";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { TruncatedText } from "@/components/truncated-text";
import { Section } from "@/components/section";
import { PageTitle, TenantShell } from "../../_components/tenant-shell";
import { CreateIntegrationForm } from "../_components/create-integration-form";
import { kindLabels, schemeLabels } from "../_components/labels";
import { StatusBadge } from "../_components/status-badge";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Integrations" };

export default async function IntegrationsPage() {
  const { tenant, principal } = await requirePagePrincipal("integrations:read");
  const integrations = await listIntegrations(tenant.slug);
  const canWrite = can(principal, "integrations:write");
  // An integration may belong to one organization (keys scoped to it see it): chosen when it is created, named in the list.
  const organizations = can(principal, "organizations:read") ? await listOrganizations(tenant.slug, principal) : [];
  const organizationName = new Map(organizations.map((o) => [o.id, o.name]));
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <PageTitle title="Integrations">Webhooks {tenant.name} receives and the external APIs it calls.</PageTitle>

      {canWrite ? (
        <Section id="new-integration-heading" title="Add an integration">
          <CreateIntegrationForm organizations={organizations.map((o) => ({ id: o.id, name: o.name }))} />
        </Section>
      ) : null}

      <DataTable testId="integrations-table" columns={["Name", "Kind", "Scheme", "Status", "Created"].map((label) => ({ label }))}>
        {integrations.length === 0 ? (
          <tr>
            <td colSpan={5} className="px-3 py-4 text-center text-slate-500">
              No integrations yet.
            </td>
          </tr>
        ) : null}
        {integrations.map((i) => (
          <tr key={i.id} data-testid={`integration-${i.id}`} className="align-top">
            <td className="px-3 py-2 font-medium">
              <Link href={`/integrations/${i.id}`} className="block text-indigo-700 hover:underline">
                <TruncatedText value={i.name} />
              </Link>
              {i.organizationId ? (
                <span className="block text-xs font-normal text-slate-500" data-testid="integration-organization">
                  only {organizationName.get(i.organizationId) ?? "an organization"}
                </span>
              ) : null}
            </td>
            <td className="px-3 py-2">{kindLabels[i.kind]}</td>
            <td className="px-3 py-2">{i.scheme ? schemeLabels[i.scheme] : <span className="text-slate-400">—</span>}</td>
            <td className="px-3 py-2">
              <StatusBadge status={i.status} testId="integration-status" />
            </td>
            <td className="px-3 py-2">
              <Time value={i.createdAt} />
            </td>
          </tr>
        ))}
      </DataTable>
    </TenantShell>
  );
}
