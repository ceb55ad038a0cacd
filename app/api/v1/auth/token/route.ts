import { issueTokensForPassword, tokenRequestInput } from "@/lib/auth/sign-in-flow";
import { readJson } from "@/lib/http/read-json";
import { corsPreflight, withTenant } from "@/lib/http/with-tenant";

export const POST = withTenant(async (ctx) => {
  const input = await readJson(ctx.request, tokenRequestInput);
  const { pair, rateLimit } = await issueTokensForPassword(ctx.tenant.slug, ctx.settings, input, ctx.meta);
  ctx.rateLimit = rateLimit;
  return Response.json(pair, { headers: { "cache-control": "no-store" } });
});
export const OPTIONS = corsPreflight;
