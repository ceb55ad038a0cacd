import type { Metadata } from "next";
import { pendingEmailChange } from "@/lib/accounts/email-change";
import { linkTokenSchema } from "@/lib/accounts/schemas";
import { optionalPagePrincipal } from "@/lib/http/page-principal";
import { PageTitle, TenantShell } from "../../_components/tenant-shell";
import { ConfirmEmailForm } from "./confirm-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Confirm your email address", referrer: "no-referrer" };

export default async function ConfirmEmailPage({ params }: { params: Promise<{ token: string }> }) {
  const { tenant, principal } = await optionalPagePrincipal();
  const { token } = await params;
  const pending = linkTokenSchema.safeParse(token).success ? await pendingEmailChange(tenant.slug, token) : null;
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <div className="mx-auto max-w-md">
        <PageTitle title="Confirm your email address" />
        {pending ? (
          <div className="space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
            <p className="text-sm text-slate-700" data-testid="confirm-email-change">
              Change the address of <strong>{pending.from}</strong> to <strong>{pending.to}</strong>?
            </p>
            <ConfirmEmailForm token={token} to={pending.to} />
          </div>
        ) : (
          <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="confirm-email-invalid">
            This link is invalid, expired or already used. Ask for the change again on your account page.
          </div>
        )}
      </div>
    </TenantShell>
  );
}
