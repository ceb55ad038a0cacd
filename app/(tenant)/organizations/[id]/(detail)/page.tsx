import type { Metadata } from "next";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { TruncatedText } from "@/components/truncated-text";
import { Section } from "@/components/section";
import { can } from "@/lib/auth/principal";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { listMembers } from "@/lib/members/members";
import { listOrganizationMembers } from "@/lib/organizations/organizations";
import { mayManageMembers, orgRoleOf } from "@/lib/organizations/policy";
import { organizationOrNotFound } from "../../../integrations/_components/or-not-found";
import { PageTitle, TenantShell } from "../../../_components/tenant-shell";
import { AddOrganizationMemberForm, DeleteOrganizationButton, OrganizationMemberActions, RenameOrganizationForm } from "../../organization-forms";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Organization" };

export default async function OrganizationPage({ params }: { params: Promise<{ id: string }> }) {
  const { tenant, principal } = await requirePagePrincipal("organizations:read");
  const { id } = await params;
  const organization = await organizationOrNotFound(id);
  const members = await listOrganizationMembers(tenant.slug, principal, id);
  const canManage = mayManageMembers(principal, await orgRoleOf(tenant.slug, id, principal.id));
  const canWrite = can(principal, "organizations:write");
  const inOrg = new Set(members.map((m) => m.userId));
  const candidates = canManage ? (await listMembers(tenant.slug, { limit: 200 })).data.filter((m) => !inOrg.has(m.id)) : [];
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <p className="mb-2 text-sm">
        <Link href="/organizations" className="text-indigo-700 hover:underline">
          ← Organizations
        </Link>
      </p>
      <PageTitle title={organization.name}>
        {organization.memberCount} member{organization.memberCount === 1 ? "" : "s"}, created <Time value={organization.createdAt} />.
      </PageTitle>

      {canWrite ? (
        <Section id="organization-settings-heading" title="Name">
          <RenameOrganizationForm id={organization.id} name={organization.name} />
          <div className="mt-4">
            <DeleteOrganizationButton id={organization.id} name={organization.name} />
          </div>
        </Section>
      ) : null}

      <Section id="organization-members-heading" title="Members">
        {members.length ? (
          <DataTable
            testId="organization-members-table"
            framed={false}
            columns={[{ label: "Email" }, { label: "Role" }, { label: "Added" }, ...(canManage ? [{ label: "Actions", hidden: true }] : [])]}
          >
            {members.map((m) => (
              <tr key={m.userId} data-testid={`org-member-${m.email}`} className="align-top">
                <td className="px-3 py-2 font-medium">
                  <TruncatedText value={m.email} className="max-w-40 sm:max-w-xs" />
                </td>
                <td className="px-3 py-2" data-testid="org-member-role">
                  {m.role === "org_admin" ? "Organization admin" : "Member"}
                </td>
                <td className="px-3 py-2">
                  <Time value={m.addedAt} />
                </td>
                {canManage ? (
                  <td className="px-3 py-2">
                    <OrganizationMemberActions id={organization.id} userId={m.userId} email={m.email} role={m.role} />
                  </td>
                ) : null}
              </tr>
            ))}
          </DataTable>
        ) : (
          <p className="text-sm text-slate-500" data-testid="no-organization-members">
            No members yet.
          </p>
        )}
        {canManage && candidates.length ? (
          <div className="mt-4">
            <AddOrganizationMemberForm id={organization.id} candidates={candidates.map((c) => ({ id: c.id, email: c.email }))} />
          </div>
        ) : null}
      </Section>
    </TenantShell>
  );
}
