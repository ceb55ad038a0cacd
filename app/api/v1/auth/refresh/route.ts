import { z } from "zod";
import { rotateRefreshToken } from "@/lib/auth/refresh-tokens";
import { limitSignIn } from "@/lib/ratelimit/sign-in-limit";
import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withTenant } from "@/lib/http/with-tenant";

const input = z.object({ refresh_token: z.string().min(1).max(200) }).strict();

export const POST = withTenant(async (ctx) => {
  const { refresh_token } = await readJson(ctx.request, input);
  ctx.rateLimit = await limitSignIn(ctx.tenant.slug, { ip: ctx.meta.ip }, ctx.settings);
  const pair = await rotateRefreshToken(ctx.tenant.slug, refresh_token, ctx.meta);
  return Response.json(pair, { headers: { "cache-control": "no-store" } });
});
export const OPTIONS = corsPreflight;
