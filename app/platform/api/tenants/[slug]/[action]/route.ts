// POST /platform/api/tenants/{slug}/{suspend|resume|archive}: a status change (409 when
// the tenant's status does not allow it).
import { slugParam, statusActionSchema } from "@/lib/console/console-input";
import { changeTenantStatus } from "@/lib/console/tenant-actions";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { routeParam, withOperator } from "@/lib/http/with-operator";

export const POST = withOperator(async ({ actor }, route) => {
  const parsed = statusActionSchema.safeParse(await routeParam(route, "action"));
  if (!parsed.success) throw new AppError("not_found", "No such tenant action (suspend, resume, archive).");
  const slug = parseOrThrow(slugParam, await routeParam(route, "slug"), "tenant slug");
  const tenant = await changeTenantStatus(slug, parsed.data, actor);
  return Response.json({ tenant: { slug: tenant.slug, name: tenant.name, status: tenant.status } });
});
