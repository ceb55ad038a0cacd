// POST /platform/api/sign-out: ends this operator session (the row, then the cookie).
import { withOperator } from "@/lib/http/with-operator";
import { operatorCookieHeader, revokeOperatorSession } from "@/lib/operators/sessions";

export const POST = withOperator(async ({ operator }) => {
  await revokeOperatorSession(operator.sessionId);
  return new Response(null, { status: 204, headers: { "set-cookie": operatorCookieHeader(null) } });
});
