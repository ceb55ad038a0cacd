// POST /platform/api/sign-in/code {challenge, code}: step two; sets the operator cookie.
import { readJson } from "@/lib/http/read-json";
import { withPlatform } from "@/lib/http/with-operator";
import { operatorCodeStepInput } from "@/lib/operators/operator-input";
import { operatorCookieHeader } from "@/lib/operators/sessions";
import { operatorCodeStep } from "@/lib/operators/sign-in";

export const POST = withPlatform(async ({ request, meta }) => {
  const input = await readJson(request, operatorCodeStepInput, "sign-in code");
  const token = await operatorCodeStep(input, meta);
  return Response.json({ signedIn: true }, { headers: { "set-cookie": operatorCookieHeader(token) } });
});
