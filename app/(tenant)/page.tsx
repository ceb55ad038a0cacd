import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/card";
import { optionalPagePrincipal } from "@/lib/http/page-principal";
import { requireTenant } from "@/lib/tenancy/current-tenant";
import { HealthSummaryPanel } from "./_components/health-summary";
import { navItems, TenantShell } from "./_components/tenant-shell";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  const tenant = await requireTenant();
  return { title: tenant.name };
}

const descriptions: Record<string, string> = {
  "/members": "Who belongs to the organisation, their roles, invitations and locked accounts.",
  "/account": "Your password, two-factor authentication and signed-in devices.",
  "/api-keys": "Keys for programs that call the organisation's API.",
  "/audit": "Every change to the organisation's data, who made it and when.",
  "/integrations": "Webhooks and external APIs: inbox, replays, sync and health.",
};

export default async function TenantHome() {
  const { tenant, principal } = await optionalPagePrincipal();
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <h1 className="text-2xl font-bold sm:text-3xl">Welcome to {tenant.name}</h1>
      {principal ? (
        <>
          <p className="mt-2 text-slate-600" data-testid="whoami">
            Signed in as{" "}
            <span className="font-medium text-slate-900" data-testid="whoami-name">
              {principal.name ?? principal.email}
            </span>
            {principal.name ? <span className="text-slate-500"> ({principal.email})</span> : null}, role{" "}
            <span className="font-medium text-slate-900" data-testid="whoami-role">
              {principal.role}
            </span>
            .
          </p>
          {principal.mfaSetupRequired ? (
            <p role="alert" className="mt-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
              This organisation requires two-factor authentication for owners and admins.{" "}
              <Link href="/account?mfa=required" className="font-medium underline">
                Set it up now
              </Link>
              .
            </p>
          ) : null}
          <nav aria-label="Administration" className="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {navItems(principal).map((item) => (
              <Link
                key={item.href}
                href={item.href}
                data-testid={item.testId}
                className="block rounded-lg focus:outline-none focus:ring-2 focus:ring-indigo-300"
              >
                <Card title={item.label}>{descriptions[item.href]}</Card>
              </Link>
            ))}
          </nav>
          <HealthSummaryPanel tenant={tenant} principal={principal} />
        </>
      ) : (
        <>
          <p className="mt-2 text-slate-600">Your organisation&apos;s workspace on the platform.</p>
          <p className="mt-6">
            <Link
              href="/sign-in"
              className="inline-flex rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700"
              data-testid="home-sign-in"
            >
              Sign in
            </Link>
          </p>
        </>
      )}
    </TenantShell>
  );
}
