// The demo tenants for `npm run dev` and the e2e tests. Refused in production.
import { AppError } from "@/lib/errors/app-error";
import { serverEnv } from "@/lib/env";
import { createTenant } from "./create-tenant";
import { findTenantBySlug } from "./find-tenant";

export const demoTenants = [
  { slug: "acme", name: "Acme Inc", ownerEmail: "owner@acme.test" },
  { slug: "globex", name: "Globex Corporation", ownerEmail: "owner@globex.test" },
] as const;

/** Creates the demo tenants that do not exist yet; returns the slugs it created. */
export async function seedDemoTenants(): Promise<string[]> {
  if (serverEnv().NODE_ENV === "production") throw new AppError("forbidden", "The demo seed never runs with NODE_ENV=production.");
  const created: string[] = [];
  for (const demo of demoTenants) {
    if (await findTenantBySlug(demo.slug)) continue;
    await createTenant({ ...demo });
    created.push(demo.slug);
  }
  return created;
}
