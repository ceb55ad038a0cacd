import type { Metadata } from "next";
import { ApiReference, type ApiDocument } from "@/components/api-reference";
import { optionalPagePrincipal } from "@/lib/http/page-principal";
import { openApiDocument } from "@/lib/openapi/document";
import { TenantShell } from "../../_components/tenant-shell";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API reference" };

/** The API reference on a tenant's host (anyone may read it, as /api/v1/openapi.json). */
export default async function ApiDocsPage() {
  const { tenant, principal } = await optionalPagePrincipal();
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <ApiReference doc={openApiDocument() as unknown as ApiDocument} />
    </TenantShell>
  );
}
