// An unknown inbox event is a 404 decided here, above the page's loading.tsx (which
// would have started a 200): see ../../../../_components/guarded-layout.tsx.
import type { ReactNode } from "react";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { inboxEventOrNotFound, integrationOrNotFound } from "../../../_components/or-not-found";

export const dynamic = "force-dynamic";

export default async function InboxEventLayout({ children, params }: { children: ReactNode; params: Promise<{ id: string; eventId: string }> }) {
  const { tenant } = await requirePagePrincipal("integrations:read");
  const { id, eventId } = await params;
  const integration = await integrationOrNotFound(tenant.slug, id);
  await inboxEventOrNotFound(tenant.slug, integration.id, eventId);
  return children;
}
