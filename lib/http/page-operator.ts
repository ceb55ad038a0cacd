// For the operator console's server components: the signed-in operator, or a redirect
// to the console's sign-in. Never on a tenant's host (404), whatever the middleware did.
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { operatorFromToken, type Operator } from "@/lib/operators/sessions";
import { onTenantHost, operatorTokenFrom } from "./with-operator";

export async function optionalOperator(): Promise<Operator | null> {
  const h = await headers();
  if (onTenantHost(h)) notFound();
  return operatorFromToken(operatorTokenFrom(h));
}

// The console's layout calls it (before any loading.tsx streams a 200) and so does each
// page, since a layout is not re-rendered on client navigation; once per request.
export const requireOperator = cache(async (): Promise<Operator> => {
  const operator = await optionalOperator();
  if (!operator) redirect("/platform/sign-in");
  return operator;
});
