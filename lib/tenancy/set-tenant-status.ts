import type { TenantStatus } from "@/lib/db/generated/platform/enums";
import { platformDb } from "@/lib/db/platform-client";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { slugSchema } from "./slug";
import { mirrorTenant } from "./mirror";
import { forgetCachedTenants } from "./find-tenant";
import { tenantRecordSelect, type TenantRecord } from "./tenant-record";

/** suspend / resume / archive: a status change, mirrored to the Edge at once. */
export async function setTenantStatus(slug: string, status: TenantStatus): Promise<TenantRecord> {
  parseOrThrow(slugSchema, slug, "slug");
  const updated = await platformDb().tenant.updateManyAndReturn({
    where: { slug },
    data: { status },
    select: tenantRecordSelect,
  });
  const tenant = updated[0];
  if (!tenant) throw new AppError("not_found", `No tenant with the slug "${slug}".`);
  await mirrorTenant(slug, status);
  await forgetCachedTenants();
  return tenant;
}
