// A second app instance for cache tests, in its own process: it reads webhook targets
// through its own in-process cache and hears invalidations over Redis like any
// instance. Line protocol on stdin/stdout (JSON):
//   in:  {"slug": "...", "id": "..."}
//   out: {"cachedBefore": bool, "status": "active"|"paused"|null, "secret": sha256 of the current secret}
// It prints {"ready": true} once its invalidation subscription is live.
import { createHash } from "node:crypto";
import { createInterface } from "node:readline";
import { invalidationsLive } from "@/lib/cache/invalidation-bus";
import { cachedWebhookTarget, webhookTarget } from "@/lib/integrations/inbox/webhook-target";

const hash = (s: string | null | undefined) => (s ? createHash("sha256").update(s).digest("hex") : null);

// Registering the cache starts the bus; wait until it listens.
cachedWebhookTarget("warm-up", "00000000-0000-0000-0000-000000000000");
while (!invalidationsLive()) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const { slug, id } = JSON.parse(line) as { slug: string; id: string };
  const cachedBefore = cachedWebhookTarget(slug, id) !== undefined;
  const target = await webhookTarget(slug, id);
  process.stdout.write(`${JSON.stringify({ cachedBefore, status: target?.integration.status ?? null, secret: hash(target?.webhook?.secrets.current) })}\n`);
}
process.exit(0);
