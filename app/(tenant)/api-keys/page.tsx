import type { Metadata } from "next";
import { isExpired, listApiKeys } from "@/lib/auth/api-keys";
import { listOrganizations } from "@/lib/organizations/organizations";
import { can } from "@/lib/auth/principal";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { TruncatedText } from "@/components/truncated-text";
import { PermissionName } from "@/components/permission-list";
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
          const status = k.revokedAt ? (
            <>
              Revoked <Time value={k.revokedAt} />
            </>
          ) : expired ? (
            "Expired"
          ) : (
            "Active"
          );
          return (
            <tr key={k.id} data-testid={`api-key-${k.prefix}`} className="align-top">
              <td className="px-3 py-2 font-medium text-slate-900">
                <TruncatedText value={k.name} testId="api-key-name" />
                {k.createdBy ? <TruncatedText value={`by ${k.createdBy.email}`} className="max-w-40 text-xs font-normal text-slate-500 sm:max-w-64" /> : null}
                {k.organization ? (
                  <TruncatedText
                    value={`only ${k.organization.name}`}
                    className="max-w-40 text-xs font-normal text-slate-500 sm:max-w-64"
                    testId="api-key-organization"
                  />
                ) : null}
              </td>
              <td className="px-3 py-2 font-mono text-xs">{k.prefix}</td>
              <td className="px-3 py-2" data-testid="api-key-scopes">
                <ul className="space-y-0.5">
                  {k.scopes.map((scope) => (
                    <li key={scope}>
                      <PermissionName id={scope} />
                    </li>
                  ))}
                </ul>
              </td>
              <td className="px-3 py-2">
                <Time value={k.createdAt} />
              </td>
              <td className="px-3 py-2">
                <Time value={k.expiresAt} none="Never" />
              </td>
              <td className="px-3 py-2" data-testid="api-key-last-used">
                <Time value={k.lastUsedAt} none="Never" />
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
