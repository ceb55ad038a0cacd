import type { Metadata } from "next";
import { listApiKeys } from "@/lib/auth/api-keys";
import { can } from "@/lib/auth/principal";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { PageTitle, TenantShell } from "../_components/tenant-shell";
import { CreateApiKeyForm, RevokeApiKeyButton } from "./api-key-forms";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API keys" };

function when(d: Date | null, none = "—"): string {
  return d ? d.toISOString().replace("T", " ").slice(0, 16) + " UTC" : none;
}

export default async function ApiKeysPage() {
  const { tenant, principal } = await requirePagePrincipal("api_keys:read");
  const keys = await listApiKeys(tenant.slug);
  const canWrite = can(principal, "api_keys:write");
  const now = new Date();
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <PageTitle title="API keys">Keys let programs call the {tenant.name} API with the permissions you give them.</PageTitle>

      {canWrite ? (
        <section aria-labelledby="new-key-heading" className="mb-8 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="new-key-heading" className="mb-3 text-lg font-semibold">
            Create a key
          </h2>
          <CreateApiKeyForm permissions={principal.permissions} />
        </section>
      ) : null}

      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
        <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="api-keys-table">
          <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-3 py-2">Name</th>
              <th scope="col" className="px-3 py-2">Prefix</th>
              <th scope="col" className="px-3 py-2">Permissions</th>
              <th scope="col" className="px-3 py-2">Created</th>
              <th scope="col" className="px-3 py-2">Expires</th>
              <th scope="col" className="px-3 py-2">Last used</th>
              <th scope="col" className="px-3 py-2">Status</th>
              {canWrite ? (
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {keys.length === 0 ? (
              <tr>
                <td colSpan={canWrite ? 8 : 7} className="px-3 py-4 text-center text-slate-500">
                  No API keys yet.
                </td>
              </tr>
            ) : null}
            {keys.map((k) => {
              const expired = k.expiresAt !== null && k.expiresAt <= now;
              const status = k.revokedAt ? `Revoked ${when(k.revokedAt)}` : expired ? "Expired" : "Active";
              return (
                <tr key={k.id} data-testid={`api-key-${k.prefix}`} className="align-top">
                  <td className="px-3 py-2 font-medium text-slate-900">
                    {k.name}
                    {k.createdBy ? <span className="block text-xs font-normal text-slate-500">by {k.createdBy.email}</span> : null}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{k.prefix}</td>
                  <td className="px-3 py-2 font-mono text-xs">{k.scopes.join(", ")}</td>
                  <td className="px-3 py-2">{when(k.createdAt)}</td>
                  <td className="px-3 py-2">{when(k.expiresAt, "Never")}</td>
                  <td className="px-3 py-2" data-testid="api-key-last-used">
                    {when(k.lastUsedAt, "Never")}
                  </td>
                  <td className="px-3 py-2" data-testid="api-key-status">
                    {status}
                  </td>
                  {canWrite ? <td className="px-3 py-2">{!k.revokedAt ? <RevokeApiKeyButton id={k.id} name={k.name} /> : null}</td> : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </TenantShell>
  );
}
