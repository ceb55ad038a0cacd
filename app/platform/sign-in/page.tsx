import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { PageShell } from "@/components/page-shell";
import { optionalOperator } from "@/lib/http/page-operator";
import { OperatorSignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Operator sign-in" };
export const dynamic = "force-dynamic";

export default async function OperatorSignInPage() {
  if (await optionalOperator()) redirect("/platform/tenants");
  return (
    <PageShell brand="Tenant Platform · Operators">
      <div className="mx-auto max-w-md">
        <h1 className="mb-2 text-2xl font-bold">Operator sign-in</h1>
        <p className="mb-6 text-sm text-slate-600">
          For platform operators only: tenant accounts do not work here. Operators are created with <code>npm run operators -- create</code>.
        </p>
        <OperatorSignInForm />
      </div>
    </PageShell>
  );
}
