// An unknown tenant's host is a 404 decided here, above loading.tsx (which would have
// started a 200): see ../../_components/guarded-layout.tsx.
import type { ReactNode } from "react";
import { optionalPagePrincipal } from "@/lib/http/page-principal";

export const dynamic = "force-dynamic";

export default async function ApiDocsLayout({ children }: { children: ReactNode }) {
  await optionalPagePrincipal();
  return children;
}
