import { revokeRefreshToken, refreshTokenInput } from "@/lib/auth/refresh-tokens";
import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withTenant } from "@/lib/http/with-tenant";

// Like RFC 7009: 200 whether or not the token was live, so the answer reveals nothing.
export const POST = withTenant(async (ctx) => {
  const { refresh_token } = await readJson(ctx.request, refreshTokenInput);
  await revokeRefreshToken(ctx.tenant.slug, refresh_token, ctx.meta);
  return Response.json({ revoked: true });
});
export const OPTIONS = corsPreflight;
