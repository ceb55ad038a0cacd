// Inbound webhooks, on the tenant's host: raw bytes in, 202 with the inbox id out
// (200 for a redelivery of a stored event). See lib/integrations/inbox/receive-webhook.ts.
import { after } from "next/server";
import { readRawBody } from "@/lib/http/read-raw-body";
import { withTenant } from "@/lib/http/with-tenant";
import { countedDelivery } from "@/lib/integrations/inbox/metrics";
import { maxWebhookBytes, receiveWebhook } from "@/lib/integrations/inbox/receive-webhook";

// The tenant's API bucket and the integration's are taken together (one Redis round
// trip) once the integration is known, hence limits in the handler.
export const POST = withTenant(
  async ({ tenant, request, meta, takeLimits }, route) => {
    const integrationId = String((await route.params).integrationId);
    const result = await countedDelivery(async () =>
      receiveWebhook({
        slug: tenant.slug,
        integrationId,
        headers: request.headers,
        body: await readRawBody(request, maxWebhookBytes),
        meta,
        takeLimits,
        // The event is committed; handing it to the engine happens after the answer.
        defer: (task) => after(task),
      }),
    );
    return Response.json(
      { id: result.id, status: result.duplicate ? "duplicate" : "received" },
      { status: result.duplicate ? 200 : 202, headers: { "cache-control": "no-store" } },
    );
  },
  { limits: "in-handler" },
);
