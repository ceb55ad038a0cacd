import { platformDb } from "@/lib/db/platform-client";

/** Whether the platform has a tenant with this slug, whatever its status (the console shows archived ones too). */
export async function consoleTenantExists(slug: string): Promise<boolean> {
  return (await platformDb().tenant.count({ where: { slug } })) > 0;
}
