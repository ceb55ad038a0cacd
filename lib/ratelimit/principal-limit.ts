// Per-principal limit alone (server actions: pages are not tenant API traffic). API
// routes take it together with the tenant's limit in the request wrapper. Fails open.
import { z } from "zod";
import type { TenantSettings } from "@/lib/tenancy/settings";
import type { RateLimitResult } from "./limiter";
import { principalBucket, takeRequestLimits } from "./request-limits";

const inputSchema = z.object({
  tenantSlug: z.string().min(1).max(64),
  kind: z.enum(["user", "api_key"]),
  /** The user's or key's id, never a key's secret: it ends up in a Redis key. */
  id: z.string().min(1).max(200),
});

export async function limitPrincipal(
  tenantSlug: string,
  principal: { kind: "user" | "api_key"; id: string },
  settings: TenantSettings,
): Promise<RateLimitResult> {
  const input = inputSchema.parse({ tenantSlug, kind: principal.kind, id: principal.id });
  const result = await takeRequestLimits([principalBucket(input.tenantSlug, input, settings)]);
  return result!;
}
