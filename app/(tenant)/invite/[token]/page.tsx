import type { Metadata } from "next";
import Link from "next/link";
import { optionalPagePrincipal } from "@/lib/http/page-principal";
import { invitationEmail } from "@/lib/members/members";
import { PageTitle, TenantShell } from "../../_components/tenant-shell";
import { AcceptInvitationForm } from "./accept-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Accept invitation", referrer: "no-referrer" };

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { tenant, principal } = await optionalPagePrincipal();
  const { token } = await params;
  const email = token.length <= 200 ? await invitationEmail(tenant.slug, token) : null;
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <div className="mx-auto max-w-md">
        <PageTitle title={`Join ${tenant.name}`}>{email ? "Choose a password to activate your account." : null}</PageTitle>
        {email ? (
          <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
            <AcceptInvitationForm token={token} email={email} />
          </div>
        ) : (
          <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="invitation-invalid">
            This invitation link is invalid, expired or already used. Ask an admin of {tenant.name} for a new one.{" "}
            <Link href="/sign-in" className="underline">
              Sign in
            </Link>{" "}
            if you already have an account.
          </div>
        )}
      </div>
    </TenantShell>
  );
}
