import type { Metadata } from "next";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { TruncatedText } from "@/components/truncated-text";
import { Section } from "@/components/section";
import { can } from "@/lib/auth/principal";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { listOrganizations } from "@/lib/organizations/organizations";
import { PageTitle, TenantShell } from "../../_components/tenant-shell";
import { CreateOrganizationForm } from "../organization-forms";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Organizations" };

export default async function OrganizationsPage() {
  const { tenant, principal } = await requirePagePrincipal("organizations:read");
  const organizations = await listOrganizations(tenant.slug, principal);
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <PageTitle title="Organizations">Groups of members inside {tenant.name}, such as departments or customer accounts.</PageTitle>
      {can(principal, "organizations:write") ? (
        <Section id="create-organization-heading" title="New organization">
          <CreateOrganizationForm />
        </Section>
      ) : null}
      {organizations.length ? (
        <DataTable testId="organizations-table" columns={[{ label: "Name" }, { label: "Members" }, { label: "Created" }]}>
          {organizations.map((o) => (
            <tr key={o.id} data-testid={`organization-${o.name}`}>
              <td className="px-3 py-2 font-medium">
                <Link href={`/organizations/${o.id}`} className="block text-indigo-700 hover:underline">
                  <TruncatedText value={o.name} className="max-w-48 sm:max-w-md" />
                </Link>
              </td>
              <td className="px-3 py-2">{o.memberCount}</td>
              <td className="px-3 py-2">
                <Time value={o.createdAt} />
              </td>
            </tr>
          ))}
        </DataTable>
      ) : (
        <p className="text-sm text-slate-500" data-testid="no-organizations">
          No organizations yet.
        </p>
      )}
    </TenantShell>
  );
}
