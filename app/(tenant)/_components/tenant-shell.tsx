// The frame of every tenant page: the tenant's name and branding, and for a signed-in user their
// navigation (by permission), who they are and a sign-out button; above the page, the
// unread integration notices for those who may see integrations.
import Link from "next/link";
import type { ReactNode } from "react";
import { PageShell } from "@/components/page-shell";
import { can, type UserPrincipal } from "@/lib/auth/principal";
import type { TenantRecord } from "@/lib/tenancy/tenant-record";
import { getTenantSettings } from "@/lib/tenancy/tenant-settings";
import { Notices } from "./notices";
import { TenantNav } from "./tenant-nav";

export interface NavItem {
  href: string;
  label: string;
  testId: string;
}

/** The admin pages a principal may open, in menu order. */
export function navItems(principal: UserPrincipal): NavItem[] {
  const items: NavItem[] = [];
  if (can(principal, "members:read")) items.push({ href: "/members", label: "Members", testId: "nav-members" });
  if (can(principal, "organizations:read")) items.push({ href: "/organizations", label: "Organizations", testId: "nav-organizations" });
  items.push({ href: "/account", label: "My account", testId: "nav-account" });
  if (can(principal, "api_keys:read")) items.push({ href: "/api-keys", label: "API keys", testId: "nav-api-keys" });
  if (can(principal, "integrations:read")) items.push({ href: "/integrations", label: "Integrations", testId: "nav-integrations" });
  if (can(principal, "audit:read")) items.push({ href: "/audit", label: "Audit log", testId: "nav-audit" });
  if (can(principal, "settings:read")) items.push({ href: "/settings", label: "Settings", testId: "nav-settings" });
  return items;
}

export async function TenantShell({ tenant, principal, children }: { tenant: TenantRecord; principal: UserPrincipal | null; children: ReactNode }) {
  // The tenant's branding (Settings), from the settings cache every instance keeps current.
  const { branding } = await getTenantSettings(tenant.slug);
  const nav = principal ? (
    <TenantNav items={navItems(principal)} email={principal.email} />
  ) : (
    <Link href="/sign-in" className="self-center font-medium text-indigo-700 hover:underline" data-testid="header-sign-in">
      Sign in
    </Link>
  );
  return (
    <PageShell
      accent={branding.accentColor}
      brand={
        <Link href="/" className="flex items-center gap-2 hover:underline">
          {branding.logoUrl ? (
            // A tenant-chosen https image: no referrer, and no layout jump when it fails.
            // eslint-disable-next-line @next/next/no-img-element
            <img src={branding.logoUrl} alt="" referrerPolicy="no-referrer" className="h-8 w-auto max-w-40 object-contain" data-testid="tenant-logo" />
          ) : null}
          <span data-testid="tenant-name">{tenant.name}</span>
        </Link>
      }
      nav={nav}
    >
      {principal ? <Notices tenant={tenant} principal={principal} /> : null}
      {children}
    </PageShell>
  );
}

/** A page's title and an optional line under it. */
export function PageTitle({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="mb-6">
      <h1 className="text-2xl font-bold sm:text-3xl">{title}</h1>
      {children ? <p className="mt-1 text-slate-600">{children}</p> : null}
    </div>
  );
}
