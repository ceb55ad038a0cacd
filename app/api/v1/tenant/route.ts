import { withTenant } from "@/lib/http/with-tenant";

export const dynamic = "force-dynamic";

/** The tenant this request resolved to. */
export const GET = withTenant(async ({ tenant }) => Response.json({ slug: tenant.slug, name: tenant.name }));
