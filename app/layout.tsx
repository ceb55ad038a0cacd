import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Tenant Platform", template: "%s · Tenant Platform" },
  description: "Multi-tenant SaaS platform with external integrations",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page renders per request, so Next puts this request's CSP nonce (set by the
  // middleware, lib/http/csp.ts) on its scripts; a prerendered page would have none.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">{children}</body>
    </html>
  );
}
