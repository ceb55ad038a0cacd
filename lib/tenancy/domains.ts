// Custom domains. Every change is mirrored into Redis for the Edge middleware.
import type { Domain, Prisma } from "@/lib/db/generated/platform/client";
import { platformDb } from "@/lib/db/platform-client";
import { edgeEnv } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { forgetCachedTenants } from "./find-tenant";
import { mirrorDomain } from "./mirror";
import { slugSchema } from "./slug";
import { hostnameSchema } from "./tenant-input";

function parseHostname(raw: string): string {
  const hostname = parseOrThrow(hostnameSchema, raw, "hostname");
  const root = edgeEnv().APP_ROOT_DOMAIN;
  if (hostname === root || hostname.endsWith(`.${root}`))
    throw new AppError("bad_request", `Invalid hostname: ${hostname} is under the platform's root domain ${root}; tenants get those as subdomains.`);
  return hostname;
}

/** Runs in the change's transaction (the operator console's audit event). */
type DomainHook = (tx: Prisma.TransactionClient, domain: Domain) => Promise<void>;

export async function addDomain(slug: string, rawHostname: string, opts: { verified?: boolean; primary?: boolean; inTransaction?: DomainHook } = {}) {
  parseOrThrow(slugSchema, slug, "slug");
  const hostname = parseHostname(rawHostname);
  const db = platformDb();
  const tenant = await db.tenant.findUnique({ where: { slug }, select: { id: true } });
  if (!tenant) throw new AppError("not_found", `No tenant with the slug "${slug}".`);
  const existing = await db.domain.findUnique({ where: { hostname }, select: { tenantId: true } });
  if (existing) throw new AppError("conflict", `The hostname ${hostname} is already in use.`);
  const verified = opts.verified ?? true;
  const domain = await db
    .$transaction(async (tx) => {
      if (opts.primary) await tx.domain.updateMany({ where: { tenantId: tenant.id }, data: { primary: false } });
      const created = await tx.domain.create({ data: { hostname, tenantId: tenant.id, verified, primary: opts.primary ?? false } });
      await opts.inTransaction?.(tx, created);
      return created;
    })
    .catch((err: unknown) => {
      // A concurrent add of the same hostname won the unique index.
      if ((err as { code?: string }).code === "P2002") throw new AppError("conflict", `The hostname ${hostname} is already in use.`);
      throw err;
    });
  if (verified) await mirrorDomain(hostname, slug);
  await forgetCachedTenants();
  return domain;
}

export async function removeDomain(slug: string, rawHostname: string, opts: { inTransaction?: DomainHook } = {}): Promise<void> {
  parseOrThrow(slugSchema, slug, "slug");
  const hostname = parseOrThrow(hostnameSchema, rawHostname, "hostname");
  await platformDb().$transaction(async (tx) => {
    const domain = await tx.domain.findFirst({ where: { hostname, tenant: { slug } } });
    if (!domain) throw new AppError("not_found", `Tenant "${slug}" has no domain ${hostname}.`);
    await tx.domain.delete({ where: { id: domain.id } });
    await opts.inTransaction?.(tx, domain);
  });
  await mirrorDomain(hostname, null);
  await forgetCachedTenants();
}
