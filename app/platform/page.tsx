import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/card";
import { PageShell } from "@/components/page-shell";

export const metadata: Metadata = { title: "Multi-tenant platform" };

export default function PlatformLanding() {
  return (
    <PageShell brand="Tenant Platform">
      <h1 className="text-3xl font-bold sm:text-4xl" data-testid="platform-title">
        One platform, every tenant isolated.
      </h1>
      <p className="mt-3 max-w-2xl text-slate-600">
        Each organisation gets its own PostgreSQL schema, its own subdomain or custom domain, an audit trail nobody can quietly edit, and webhooks that are
        never lost.
      </p>
      <div className="mt-8 grid gap-4 sm:grid-cols-3">
        <Card title="Tenancy">Schema per tenant, resolved at the edge from the host name.</Card>
        <Card title="API">Versioned JSON API with problem+json errors.</Card>
        <Card title="Operators">
          Create, suspend and archive tenants in the{" "}
          <Link href="/platform/sign-in" className="underline" data-testid="operator-console-link">
            operator console
          </Link>{" "}
          or with the tenants CLI.
        </Card>
      </div>
    </PageShell>
  );
}
