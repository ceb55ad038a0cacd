import type { Metadata } from "next";
import { isExpired, listApiKeys } from "@/lib/auth/api-keys";
import { listOrganizations } from "@/lib/organizations/organizations";
import { can } from "@/lib/auth/principal";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { DataTable } from "@/components/data-table";
import { formatUtc } from "@/components/format-time";
import { Section } from "@/components/section";
import { PageTitle, TenantShell } from "../_components/tenant-shell";
import { CreateApiKeyForm, RevokeApiKeyButton } from "./api-key-forms";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  const { tenant, principal } = await requirePagePrincipal("api_keys:read");
  const keys = await listApiKeys(tenant.slug);
  const canWrite = can(principal, "api_keys:write");
  // A key may be scoped to one organization (it then sees only that organization's objects).
  const organizations = canWrite && can(principal, "organizations:read") ? await listOrganizations(tenant.slug, principal) : [];
  const now = new Date();
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <PageTitle title="API keys">Keys let programs call the {tenant.name} API with the permissions you give them.</PageTitle>

      {canWrite ? (
        <Section id="new-key-heading" title="Create a key">
          <CreateApiKeyForm permissions={principal.permissions} organizations={organizations} />
        </Section>
      ) : null}

      <DataTable
        testId="api-keys-table"
        columns={[
          ...["Name", "Prefix", "Permissions", "Created", "Expires", "Last used", "Status"].map((label) => ({ label })),
          ...(canWrite ? [{ label: "Actions", hidden: true }] : []),
        ]}
      >
        {keys.length === 0 ? (
          <tr>
            <td colSpan={canWrite ? 8 : 7} className="px-3 py-4 text-center text-slate-500">
              No API keys yet.
            </td>
          </tr>
        ) : null}
        {keys.map((k) => {
          const expired = isExpired(k.expiresAt, now);
          const status = k.revokedAt ? `Revoked ${formatUtc(k.revokedAt)}` : expired ? "Expired" : "Active";
          return (
            <tr key={k.id} data-testid={`api-key-${k.prefix}`} className="align-top">
              <td className="px-3 py-2 font-medium text-slate-900">
                {k.name}
                {k.createdBy ? <span className="block text-xs font-normal text-slate-500">by {k.createdBy.email}</span> : null}
                {k.organization ? (
                  <span className="block text-xs font-normal text-slate-500" data-testid="api-key-organization">
                    only {k.organization.name}
                  </span>
                ) : null}
              </td>
              <td className="px-3 py-2 font-mono text-xs">{k.prefix}</td>
              <td className="px-3 py-2 font-mono text-xs">{k.scopes.join(", ")}</td>
              <td className="px-3 py-2">{formatUtc(k.createdAt)}</td>
              <td className="px-3 py-2">{formatUtc(k.expiresAt, "Never")}</td>
              <td className="px-3 py-2" data-testid="api-key-last-used">
                {formatUtc(k.lastUsedAt, "Never")}
              </td>
              <td className="px-3 py-2" data-testid="api-key-status">
                {status}
              </td>
              {canWrite ? <td className="px-3 py-2">{!k.revokedAt ? <RevokeApiKeyButton id={k.id} name={k.name} /> : null}</td> : null}
            </tr>
          );
        })}
      </DataTable>
    </TenantShell>
  );
}
