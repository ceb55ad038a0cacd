// POST /platform/api/sign-in/enrol {challenge, code, newPassword}: first sign-in with the
// CLI's setup password: confirms TOTP, sets the password, sets the operator cookie.
import { readJson } from "@/lib/http/read-json";
import { withPlatform } from "@/lib/http/with-operator";
import { operatorEnrolStepInput } from "@/lib/operators/operator-input";
import { operatorCookieHeader } from "@/lib/operators/sessions";
import { operatorEnrolStep } from "@/lib/operators/sign-in";

export const POST = withPlatform(async ({ request, meta }) => {
  const input = await readJson(request, operatorEnrolStepInput, "enrolment");
  const token = await operatorEnrolStep(input, meta);
  return Response.json({ signedIn: true }, { headers: { "set-cookie": operatorCookieHeader(token) } });
});
