// POST /platform/api/sign-in {email, password}: step one of operator sign-in.
import { readJson } from "@/lib/http/read-json";
import { withPlatform } from "@/lib/http/with-operator";
import { operatorPasswordStepInput } from "@/lib/operators/operator-input";
import { operatorPasswordStep } from "@/lib/operators/sign-in";

export const POST = withPlatform(async ({ request, meta }) => {
  const input = await readJson(request, operatorPasswordStepInput, "sign-in");
  return Response.json(await operatorPasswordStep(input, meta));
});
