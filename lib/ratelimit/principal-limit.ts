// Per-principal limit (one user or API key inside one tenant), taken by the request
// wrapper after authentication. Fails open: a Redis outage must not take the API down.
import { z } from "zod";
import type { TenantSettings } from "@/lib/tenancy/settings";
import { rateLimitedError } from "./headers";
import { consume, type RateLimitResult } from "./limiter";
import { effectiveRateLimits, rateLimitWindows } from "./limits";

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
  const result = await consume({
    bucket: "principal",
    // Ids are per tenant (users live in the tenant's schema), so the slug is part of the key.
    key: `${input.tenantSlug}:${input.kind}:${input.id}`,
    limit: effectiveRateLimits(settings).principalPerMinute,
    windowSeconds: rateLimitWindows.principal,
    onFailure: "open",
  });
  if (!result.allowed) {
    throw rateLimitedError(result, `Too many requests from this ${input.kind === "user" ? "user" : "API key"}; retry in ${Math.max(1, result.resetSeconds)} s.`);
  }
  return result;
}
