import type { Metadata } from "next";
import { recoveryCodesLeft } from "@/lib/auth/account";
import { adminRoles } from "@/lib/auth/permissions";
import { listSessions } from "@/lib/auth/sessions";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { formatUtc } from "@/components/format-time";
import { Section } from "@/components/section";
import { PageTitle, TenantShell } from "../_components/tenant-shell";
import { ChangePasswordForm, MfaSection, RevokeSessionButton } from "./account-forms";
import { ChangeEmailForm } from "./email-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "My account" };

/** A short, readable name for a user agent ("Chrome on Linux"); the full string is in the title. */
function device(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
      ? "Firefox"
      : /Chrome\//.test(userAgent)
        ? "Chrome"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : null;
  const os = /Windows/.test(userAgent)
    ? "Windows"
    : /Mac OS X/.test(userAgent)
      ? "macOS"
      : /Android/.test(userAgent)
        ? "Android"
        : /iPhone|iPad/.test(userAgent)
          ? "iOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : null;
  return browser && os ? `${browser} on ${os}` : userAgent.slice(0, 60);
}

export default async function AccountPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // Reachable while the organisation's MFA requirement is unmet: this is where it is met.
  const { tenant, settings, principal } = await requirePagePrincipal(null, { allowMfaSetup: true });
  const params = await searchParams;
  const mfaRequiredForRole = settings.mfaRequiredForAdmins && adminRoles.includes(principal.role);
  const [sessions, codesLeft] = await Promise.all([
    principal.mfaSetupRequired ? Promise.resolve([]) : listSessions(tenant.slug, principal.id),
    principal.mfaEnabled ? recoveryCodesLeft(tenant.slug, principal.id) : Promise.resolve(0),
  ]);
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <PageTitle title="My account">
        {principal.name ? `${principal.name}, ` : ""}
        {principal.email} · {principal.role}
      </PageTitle>

      {principal.mfaSetupRequired || params.mfa === "required" ? (
        <div role="alert" className="mb-6 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="mfa-required-notice">
          {principal.mfaSetupRequired ? (
            <>
              <strong>{tenant.name} requires two-factor authentication for owners and admins.</strong> Set it up below to continue: until then the rest of the
              organisation&apos;s pages are closed to you.
            </>
          ) : (
            <>{tenant.name} requires two-factor authentication for owners and admins. It is on for your account: you are all set.</>
          )}
        </div>
      ) : null}

      <Section id="mfa-heading" title="Two-factor authentication">
        <MfaSection enabled={principal.mfaEnabled} codesLeft={codesLeft} required={mfaRequiredForRole} />
      </Section>

      {principal.mfaSetupRequired ? null : (
        <>
          <Section id="password-heading" title="Password">
            <ChangePasswordForm />
          </Section>

          <Section id="email-heading" title="Email address">
            <ChangeEmailForm current={principal.email} />
          </Section>

          <Section id="sessions-heading" title="Where you are signed in">
            <p className="mb-3 text-sm text-slate-600">Revoking a session signs that browser or API client out on its next request.</p>
            <DataTable
              testId="sessions-table"
              columns={[...["Device", "Kind", "IP address", "Signed in", "Last active"].map((label) => ({ label })), { label: "Actions", hidden: true }]}
              framed={false}
            >
              {sessions.map((s) => {
                const current = s.id === principal.sessionId;
                return (
                  <tr key={s.id} data-testid={current ? "session-current" : "session-other"}>
                    <td className="px-3 py-2" title={s.userAgent ?? undefined}>
                      {device(s.userAgent)}
                      {current ? <span className="ml-2 rounded bg-indigo-100 px-1.5 py-0.5 text-xs font-medium text-indigo-800">This session</span> : null}
                    </td>
                    <td className="px-3 py-2">{s.kind === "api" ? "API" : "Browser"}</td>
                    <td className="px-3 py-2 font-mono text-xs">{s.ip ?? "—"}</td>
                    <td className="px-3 py-2">
                      <Time value={s.createdAt} />
                    </td>
                    <td className="px-3 py-2">
                      <Time value={s.lastSeenAt} />
                    </td>
                    <td className="px-3 py-2">
                      {current ? (
                        <span className="text-xs text-slate-500">Use “Sign out”</span>
                      ) : (
                        <RevokeSessionButton id={s.id} label={`session from ${formatUtc(s.createdAt)}`} />
                      )}
                    </td>
                  </tr>
                );
              })}
            </DataTable>
          </Section>
        </>
      )}
    </TenantShell>
  );
}
