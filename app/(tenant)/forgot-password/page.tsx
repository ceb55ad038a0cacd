import type { Metadata } from "next";
import Link from "next/link";
import { optionalPagePrincipal } from "@/lib/http/page-principal";
import { PageTitle, TenantShell } from "../_components/tenant-shell";
import { ForgotPasswordForm } from "./forgot-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Forgot your password" };

export default async function ForgotPasswordPage() {
  const { tenant, principal } = await optionalPagePrincipal();
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <div className="mx-auto max-w-md">
        <PageTitle title="Forgot your password?">We email you a link to choose a new one.</PageTitle>
        <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
          <ForgotPasswordForm />
        </div>
        <p className="mt-4 text-sm">
          <Link href="/sign-in" className="underline">
            Back to sign-in
          </Link>
        </p>
      </div>
    </TenantShell>
  );
}
