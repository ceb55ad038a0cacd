import type { Metadata } from "next";
import { Card } from "@/components/card";
import { PageShell } from "@/components/page-shell";
import { requireTenant } from "@/lib/tenancy/current-tenant";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  const tenant = await requireTenant();
  return { title: tenant.name };
}

export default async function TenantHome() {
  const tenant = await requireTenant();
  return (
    <PageShell brand={<span data-testid="tenant-name">{tenant.name}</span>}>
      <h1 className="text-2xl font-bold sm:text-3xl">Welcome to {tenant.name}</h1>
      <p className="mt-2 text-slate-600">Your organisation&apos;s workspace on the platform.</p>
      <div className="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <Card title="Members">Sign-in and member management arrive with authentication.</Card>
        <Card title="Integrations">Webhooks and external APIs will be managed here.</Card>
        <Card title="Audit log">Every change to your data will be recorded here.</Card>
      </div>
    </PageShell>
  );
}
