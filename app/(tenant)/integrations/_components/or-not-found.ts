// A library lookup on a page: its not_found (no such id in this tenant's schema, or not
// a uuid) becomes the 404 page; any other error stays an error. The lookups decided by
// the URL are memoised per request: the segment's layout makes them first, so that the
// 404 is answered before its loading.tsx streams a 200, and the page gets the same row.
import { notFound } from "next/navigation";
import { cache } from "react";
import { AppError } from "@/lib/errors/app-error";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { getInboxEvent } from "@/lib/integrations/inbox/list-events";
import { getIntegration } from "@/lib/integrations/integrations";
import { getOrganization } from "@/lib/organizations/organizations";

export async function orNotFound<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") notFound();
    throw err;
  }
}

export const integrationOrNotFound = cache((tenant: string, id: string) => orNotFound(getIntegration(tenant, id)));

export const inboxEventOrNotFound = cache((tenant: string, integrationId: string, eventId: string) =>
  orNotFound(getInboxEvent(tenant, integrationId, eventId)),
);

/** An organization the signed-in user may see (organizations:read), by the id in the URL. */
export const organizationOrNotFound = cache(async (id: string) => {
  const { tenant, principal } = await requirePagePrincipal("organizations:read");
  return orNotFound(getOrganization(tenant.slug, principal, id));
});
