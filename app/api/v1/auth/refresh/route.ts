import { rotateRefreshToken, refreshTokenInput } from "@/lib/auth/refresh-tokens";
import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withTenant } from "@/lib/http/with-tenant";

// Not under the strict sign-in limit: refresh tokens are unguessable (MAC), and many
// clients behind one address refresh often. The per-tenant API limit applies.
export const POST = withTenant(async (ctx) => {
  const { refresh_token } = await readJson(ctx.request, refreshTokenInput);
  const pair = await rotateRefreshToken(ctx.tenant.slug, refresh_token, ctx.meta);
  return Response.json(pair, { headers: { "cache-control": "no-store" } });
});
export const OPTIONS = corsPreflight;
