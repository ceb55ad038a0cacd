// An unknown integration id is a 404 decided here, above the page's loading.tsx (which
// would have started a 200): see ../../_components/guarded-layout.tsx.
import type { ReactNode } from "react";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { integrationOrNotFound } from "../_components/or-not-found";

export const dynamic = "force-dynamic";

export default async function IntegrationLayout({ children, params }: { children: ReactNode; params: Promise<{ id: string }> }) {
  const { tenant } = await requirePagePrincipal("integrations:read");
  await integrationOrNotFound(tenant.slug, (await params).id);
  return children;
}
