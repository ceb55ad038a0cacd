import type { Metadata } from "next";
import Link from "next/link";
import { passwordResetEmailFor } from "@/lib/accounts/password-reset";
import { linkTokenSchema } from "@/lib/accounts/schemas";
import { optionalPagePrincipal } from "@/lib/http/page-principal";
import { PageTitle, TenantShell } from "../../_components/tenant-shell";
import { ResetPasswordForm } from "./reset-form";

export const dynamic = "force-dynamic";
// The token is in the address: never sent on to another site.
export const metadata: Metadata = { title: "Choose a new password", referrer: "no-referrer" };

export default async function ResetPasswordPage({ params }: { params: Promise<{ token: string }> }) {
  const { tenant, principal } = await optionalPagePrincipal();
  const { token } = await params;
  const email = linkTokenSchema.safeParse(token).success ? await passwordResetEmailFor(tenant.slug, token) : null;
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <div className="mx-auto max-w-md">
        <PageTitle title="Choose a new password">{email ? <span data-testid="reset-email">{email}</span> : null}</PageTitle>
        {email ? (
          <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
            <p className="mb-4 text-sm text-slate-600">Setting it signs this account out everywhere.</p>
            <ResetPasswordForm token={token} />
          </div>
        ) : (
          <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="reset-invalid">
            This link is invalid, expired or already used.{" "}
            <Link href="/forgot-password" className="underline">
              Ask for a new one
            </Link>
            .
          </div>
        )}
      </div>
    </TenantShell>
  );
}
