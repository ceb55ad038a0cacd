// Requests refused by a rate limit, by bucket (a Redis outage that closes sign-in counts too).
import { counter } from "@/lib/observability/metrics";

export const rateLimitRefusals = counter({
  name: "platform_ratelimit_refusals_total",
  help: "Calls refused by a rate limit, by bucket.",
  labels: { bucket: ["api", "principal", "webhook", "outbound", "sign-in-ip", "sign-in-email", "sign-in-fail-tenant"] },
});
