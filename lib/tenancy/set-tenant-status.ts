import type { Prisma } from "@/lib/db/generated/platform/client";
import type { TenantStatus } from "@/lib/db/generated/platform/enums";
import { platformDb } from "@/lib/db/platform-client";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { slugSchema } from "./slug";
import { mirrorTenant } from "./mirror";
import { forgetCachedTenants } from "./find-tenant";
import { tenantRecordSelect, type TenantRecord } from "./tenant-record";

export interface StatusChangeOptions {
  /** Only from these statuses (else 409); default: from any. */
  from?: TenantStatus[];
  /** Runs in the change's transaction with the status before and the updated tenant (the console's audit event). */
  inTransaction?: (tx: Prisma.TransactionClient, change: { before: TenantStatus; tenant: TenantRecord }) => Promise<void>;
}

/** suspend / resume / archive: a status change, mirrored to the Edge at once. */
export async function setTenantStatus(slug: string, status: TenantStatus, options: StatusChangeOptions = {}): Promise<TenantRecord> {
  parseOrThrow(slugSchema, slug, "slug");
  const tenant = await platformDb().$transaction(async (tx) => {
    const current = await tx.$queryRaw<{ status: TenantStatus }[]>`SELECT status::text AS status FROM public.tenants WHERE slug = ${slug} FOR UPDATE`;
    const before = current[0]?.status;
    if (!before) throw new AppError("not_found", `No tenant with the slug "${slug}".`);
    if (options.from && !options.from.includes(before)) {
      throw new AppError("conflict", `Tenant "${slug}" is ${before}; this change needs it to be ${options.from.join(" or ")}.`, [], {
        reason: "invalid_status",
      });
    }
    const updated = await tx.tenant.update({ where: { slug }, data: { status }, select: tenantRecordSelect });
    await options.inTransaction?.(tx, { before, tenant: updated });
    return updated;
  });
  await mirrorTenant(slug, status);
  await forgetCachedTenants();
  return tenant;
}
