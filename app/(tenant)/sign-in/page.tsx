import type { Metadata } from "next";
import Link from "next/link";
import { optionalPagePrincipal } from "@/lib/http/page-principal";
import { safeReturnPath } from "@/lib/http/return-path";
import { PageTitle, TenantShell } from "../_components/tenant-shell";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { tenant, principal } = await optionalPagePrincipal();
  const params = await searchParams;
  const next = safeReturnPath(params.next);
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <div className="mx-auto max-w-md">
        <PageTitle title={`Sign in to ${tenant.name}`} />
        {principal ? (
          <div role="status" className="mb-6 rounded-md border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm text-indigo-900" data-testid="signed-in-notice">
            You are already signed in as <strong>{principal.email}</strong>.{" "}
            <Link href="/" className="font-medium underline" data-testid="signed-in-home">
              Go to the home page
            </Link>
            , or sign in below as someone else.
          </div>
        ) : null}
        {params.reset ? (
          <p role="status" className="mb-6 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="password-reset-done">
            Your password is changed and every session was signed out. Sign in with the new password.
          </p>
        ) : null}
        <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
          <SignInForm next={next} />
        </div>
      </div>
    </TenantShell>
  );
}
