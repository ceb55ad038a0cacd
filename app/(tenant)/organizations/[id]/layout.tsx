// An organization that does not exist, or that this user may not see, is a 404 decided
// here, above the page's loading.tsx (which would have started a 200): see
// ../../_components/guarded-layout.tsx.
import type { ReactNode } from "react";
import { organizationOrNotFound } from "../../integrations/_components/or-not-found";

export const dynamic = "force-dynamic";

export default async function OrganizationLayout({ children, params }: { children: ReactNode; params: Promise<{ id: string }> }) {
  await organizationOrNotFound((await params).id);
  return children;
}
