import type { Metadata } from "next";
import Link from "next/link";
import { can } from "@/lib/auth/principal";
import { roles } from "@/lib/auth/permissions";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { listMembers } from "@/lib/members/members";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { TruncatedText } from "@/components/truncated-text";
import { RolePermissions } from "@/components/permission-list";
import { Section } from "@/components/section";
import { PageTitle, TenantShell } from "../_components/tenant-shell";
import { InviteForm, MemberActions } from "./member-forms";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { tenant, principal } = await requirePagePrincipal("members:read");
  const { cursor } = await searchParams;
  const page = await listMembers(tenant.slug, { limit: 100, ...(typeof cursor === "string" && cursor ? { cursor } : {}) });
  const canWrite = can(principal, "members:write");
  const canUnlock = can(principal, "members:unlock");
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <PageTitle title="Members">Everyone who can sign in to {tenant.name}.</PageTitle>

      {canWrite ? (
        <Section id="invite-heading" title="Invite a member">
          <InviteForm roles={roles} />
        </Section>
      ) : null}

      <DataTable
        testId="members-table"
        columns={[
          ...["Email", "Name", "Role", "Status", "MFA", "Locked"].map((label) => ({ label })),
          ...(canWrite || canUnlock ? [{ label: "Actions" }] : []),
        ]}
      >
        {page.data.map((m) => (
          <tr key={m.id} id={`member-${m.id}`} data-testid={`member-${m.email}`} className="align-top">
            <td className="px-3 py-2 font-medium text-slate-900">
              <TruncatedText value={m.email} className="max-w-40 sm:max-w-44" testId="member-email" />
              {m.id === principal.id ? <span className="text-xs font-normal text-slate-500">(you)</span> : null}
            </td>
            <td className="px-3 py-2">
              {m.name ? <TruncatedText value={m.name} className="max-w-32 sm:max-w-40" testId="member-name" /> : <span className="text-slate-400">—</span>}
            </td>
            <td className="px-3 py-2" data-testid="member-role">
              {m.role}
            </td>
            <td className="px-3 py-2" data-testid="member-status">
              {m.status}
            </td>
            <td className="px-3 py-2" data-testid="member-mfa">
              {m.mfaEnabled ? "On" : "Off"}
            </td>
            <td className="px-3 py-2" data-testid="member-locked">
              {m.lockedUntil ? (
                <span className="text-red-700">
                  Until <Time value={m.lockedUntil} />
                </span>
              ) : (
                "No"
              )}
            </td>
            {canWrite || canUnlock ? (
              <td className="px-3 py-2">
                <MemberActions member={m} roles={roles} canWrite={canWrite} canUnlock={canUnlock} isSelf={m.id === principal.id} />
              </td>
            ) : null}
          </tr>
        ))}
      </DataTable>
      {page.nextCursor ? (
        <p className="mt-4 text-sm">
          <Link href={`/members?cursor=${encodeURIComponent(page.nextCursor)}`} className="text-indigo-700 underline">
            Next page
          </Link>
        </p>
      ) : null}

      <div className="mt-8">
        <Section id="roles-heading" title="Roles and what they may do">
          <RolePermissions />
        </Section>
      </div>
    </TenantShell>
  );
}
