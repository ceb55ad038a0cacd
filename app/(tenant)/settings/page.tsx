import type { Metadata } from "next";
import { CopyField } from "@/components/copy-field";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { Section } from "@/components/section";
import { can } from "@/lib/auth/principal";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { tenantSettingsView } from "@/lib/tenancy/settings-view";
import { PageTitle, TenantShell } from "../_components/tenant-shell";
import { AddDomainForm, DomainActions } from "./domain-forms";
import { AlertsForm, ApiForm, AuditForm, GeneralForm, SecurityForm } from "./settings-forms";

/** Whole days (rounded up) until a pending claim expires: "1 day", "7 days". */
function daysLeft(expiresAt: Date): string {
  const days = Math.max(1, Math.ceil((expiresAt.getTime() - Date.now()) / 86_400_000));
  return days === 1 ? "1 day" : `${days} days`;
}

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const { tenant, principal } = await requirePagePrincipal("settings:read");
  const view = await tenantSettingsView(tenant.slug);
  const canEdit = can(principal, "settings:write");
  const readOnly = !canEdit;
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <PageTitle title="Settings">
        {canEdit ? `How ${view.displayName} looks and behaves.` : `How ${view.displayName} looks and behaves. Only owners can change these.`}
      </PageTitle>

      <Section id="settings-general-heading" title="Name and branding">
        <GeneralForm values={view} readOnly={readOnly} />
      </Section>

      <Section id="settings-domains-heading" title="Custom domains">
        <p className="mb-4 text-sm text-slate-600">
          Your pages are always at <span className="font-mono">{tenant.slug}</span> on the platform&apos;s domain. A custom domain routes once it is verified:
          publish its TXT record at your DNS provider, then press Verify.
        </p>
        {view.domains.length ? (
          <DataTable
            testId="domains-table"
            framed={false}
            columns={[{ label: "Hostname" }, { label: "Status" }, { label: "Added" }, ...(canEdit ? [{ label: "Actions", hidden: true }] : [])]}
          >
            {view.domains.map((d) => (
              <tr key={d.hostname} data-testid={`domain-${d.hostname}`} className="align-top">
                <td className="max-w-xs px-3 py-2 font-medium break-all text-slate-900">
                  {d.hostname}
                  {d.verification && !d.verified ? (
                    <div className="mt-2 space-y-1 font-normal">
                      <CopyField label="TXT record name" value={d.verification.name} testId="txt-name" />
                      <CopyField label="TXT record value" value={d.verification.value} testId="txt-value" />
                    </div>
                  ) : null}
                </td>
                <td className="px-3 py-2">
                  <span data-testid="domain-status">
                    {d.verified ? (d.primary ? "Verified, primary" : "Verified") : d.expired ? "Claim expired" : "Pending verification"}
                  </span>
                  {d.expiresAt && !d.verified ? (
                    <span className="block text-xs text-slate-500" data-testid="domain-expiry">
                      {d.expired ? "Remove it and add it again for a new TXT record" : `Holds the name ${daysLeft(d.expiresAt)} more`}
                    </span>
                  ) : null}
                </td>
                <td className="px-3 py-2">
                  <Time value={d.createdAt} />
                </td>
                {canEdit ? (
                  <td className="px-3 py-2">
                    <DomainActions hostname={d.hostname} verified={d.verified} primary={d.primary} />
                  </td>
                ) : null}
              </tr>
            ))}
          </DataTable>
        ) : (
          <p className="text-sm text-slate-500" data-testid="no-domains">
            No custom domains yet.
          </p>
        )}
        {canEdit ? (
          <div className="mt-4">
            <AddDomainForm />
          </div>
        ) : null}
      </Section>

      <Section id="settings-security-heading" title="Sign-in security">
        <SecurityForm values={view} readOnly={readOnly} selfHasMfa={principal.mfaEnabled} />
      </Section>

      <Section id="settings-api-heading" title="API access">
        <ApiForm values={view} readOnly={readOnly} />
      </Section>

      <Section id="settings-audit-heading" title="Audit log">
        <AuditForm values={view} readOnly={readOnly} />
      </Section>

      <Section id="settings-alerts-heading" title="Alert emails">
        <AlertsForm values={view} readOnly={readOnly} />
      </Section>
    </TenantShell>
  );
}
