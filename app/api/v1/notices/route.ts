import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";
import { listNotices } from "@/lib/integrations/notices";

export const GET = withPrincipal("integrations:read", async ({ tenant, request }) =>
  Response.json({ data: await listNotices(tenant.slug, { unreadOnly: new URL(request.url).searchParams.get("unread") === "1" }) }),
);
export const OPTIONS = corsPreflight;
