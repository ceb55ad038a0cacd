// Requests for the move tests through the real request wrapper: the API's users route,
// and the webhook route's composition (withTenant + receiveWebhook; the route itself
// defers the engine send with Next's `after`, which needs Next's request scope).
import * as usersRoute from "@/app/api/v1/users/route";
import { withTenant } from "@/lib/http/with-tenant";
import { receiveWebhook } from "@/lib/integrations/inbox/receive-webhook";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { internalHeaders } from "@/lib/tenancy/internal-headers";

type Route = (request: Request, route: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

function call(handler: Route, slug: string, method: string, path: string, token: string, body?: unknown): Promise<Response> {
  const request = new Request(`http://${slug}.localhost${path}`, {
    method,
    headers: { [internalHeaders.tenant]: slug, authorization: `Bearer ${token}`, "content-type": "application/json", "user-agent": "move-test" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return handler(request, { params: Promise.resolve({}) });
}

export const addMemberOverApi = (slug: string, token: string, email: string) =>
  call(usersRoute.POST, slug, "POST", "/api/v1/users", token, { email, role: "member" });
export const listMembersOverApi = (slug: string, token: string) => call(usersRoute.GET, slug, "GET", "/api/v1/users?limit=5", token);

const webhookRoute = withTenant(
  async ({ tenant, request, meta, takeLimits }, route) => {
    const result = await receiveWebhook({
      slug: tenant.slug,
      integrationId: String((await route.params).integrationId),
      headers: request.headers,
      body: Buffer.from(await request.arrayBuffer()),
      meta,
      takeLimits,
    });
    return Response.json({ id: result.id, status: result.duplicate ? "duplicate" : "received" }, { status: result.duplicate ? 200 : 202 });
  },
  { limits: "in-handler" },
);

export interface Delivery {
  eventId: string;
  body: string;
}

/** Sends (or re-sends, as a provider retries) one signed Standard Webhooks delivery. */
export function deliverWebhook(slug: string, hook: { id: string; secret: string }, d: Delivery): Promise<Response> {
  const headers = signWebhook("standard-webhooks", hook.secret, d.body, { id: d.eventId });
  return webhookRoute(
    new Request(`http://${slug}.localhost/api/webhooks/${hook.id}`, {
      method: "POST",
      headers: { ...headers, [internalHeaders.tenant]: slug, "content-type": "application/json" },
      body: d.body,
    }),
    { params: Promise.resolve({ integrationId: hook.id }) },
  );
}
