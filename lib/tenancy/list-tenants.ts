import { platformDb } from "@/lib/db/platform-client";

export function listTenants() {
  return platformDb().tenant.findMany({
    orderBy: { slug: "asc" },
    select: {
      slug: true,
      name: true,
      status: true,
      schemaName: true,
      cluster: true,
      createdAt: true,
      domains: { select: { hostname: true, verified: true, primary: true }, orderBy: { hostname: "asc" } },
    },
  });
}
