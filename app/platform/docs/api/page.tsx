import type { Metadata } from "next";
import { ApiReference, type ApiDocument } from "@/components/api-reference";
import { PageShell } from "@/components/page-shell";
import { openApiDocument } from "@/lib/openapi/document";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API reference" };

/** The API reference on the root domain (/docs/api, rewritten here by the middleware). */
export default function PlatformApiDocsPage() {
  return (
    <PageShell brand="Tenant Platform">
      <ApiReference doc={openApiDocument() as unknown as ApiDocument} />
    </PageShell>
  );
}
