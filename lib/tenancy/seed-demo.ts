// The demo tenants for `npm run dev` and the e2e tests. Refused in production.
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { hashPassword } from "@/lib/auth/passwords";
import { AppError } from "@/lib/errors/app-error";
import { serverEnv } from "@/lib/env";
import { createTenant } from "./create-tenant";
import { findTenantBySlug } from "./find-tenant";

/** The demo owners' password (dev only; printed by npm run dev and in the README). */
export const demoPassword = "Demo-Passw0rd-2026";

export const demoTenants = [
  { slug: "acme", name: "Acme Inc", ownerEmail: "owner@acme.test", ownerPassword: demoPassword },
  { slug: "globex", name: "Globex Corporation", ownerEmail: "owner@globex.test", ownerPassword: demoPassword },
] as const;

/** Creates the demo tenants that do not exist yet; returns the slugs it created. */
export async function seedDemoTenants(): Promise<string[]> {
  if (serverEnv().NODE_ENV === "production") throw new AppError("forbidden", "The demo seed never runs with NODE_ENV=production.");
  const created: string[] = [];
  for (const demo of demoTenants) {
    if (await findTenantBySlug(demo.slug)) {
      // Demo data from before passwords existed: give the owner the demo password.
      const hash = await hashPassword(demo.ownerPassword);
      await withAudit(demo.slug, systemContext("demo seed"), (tx) =>
        tx.user.updateMany({ where: { email: demo.ownerEmail, passwordHash: null }, data: { passwordHash: hash, status: "active", role: "owner" } }),
      );
      continue;
    }
    await createTenant({ ...demo });
    created.push(demo.slug);
  }
  return created;
}
