// Custom domains: add (pending, with a TXT record to publish, or verified by an operator),
// verify against DNS, make primary, remove. Only verified domains route. Each change is
// one transaction with its audit event in the tenant's trail (withAudit), under a lock
// on the tenant row so two changes of one tenant's domains never interleave; then the
// Redis mirror (the Edge's map) and every instance's tenant lookups follow (lib/cache,
// 1 s). Used by the Settings API and page, the tenants CLI and the operator console.
// A pending claim expires (pendingClaimDays after it was added): it then no longer holds
// the name, so a tenant cannot squat a domain it does not control by adding it and never
// publishing the record; whoever adds the name next gets it, with a fresh token.
import { systemContext, type AuditContext } from "@/lib/audit/context";
import { withAudit, type AuditHandle } from "@/lib/audit/with-audit";
import { log } from "@/lib/observability/logger";
import type { Prisma } from "@/lib/db/generated/tenant/client";
import { platformDb } from "@/lib/db/platform-client";
import { edgeEnv } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { newVerificationToken, txtRecordPublished, verificationRecord, type VerificationRecord } from "./domain-verification";
import { forgetCachedTenants } from "./find-tenant";
import { mirrorDomain } from "./mirror";
import { slugSchema } from "./slug";
import { hostnameSchema } from "./tenant-input";

/** A tenant keeps at most this many custom domains, pending ones included (expired claims are not counted). */
export const maxDomainsPerTenant = 20;

/** Days a pending claim holds its hostname; unverified by then, it expires (README "Custom domains"). */
export const pendingClaimDays = 7;
const claimTtl = `interval '${pendingClaimDays} days'`;

/** When a pending claim added at `createdAt` expires. */
export function claimExpiresAt(createdAt: Date): Date {
  return new Date(createdAt.getTime() + pendingClaimDays * 86_400_000);
}

export interface DomainView {
  hostname: string;
  verified: boolean;
  primary: boolean;
  createdAt: Date;
  verifiedAt: Date | null;
  /** The TXT record to publish; null for a domain an operator added as verified. */
  verification: VerificationRecord | null;
  /** A pending claim: when it stops holding the hostname (null once verified). */
  expiresAt: Date | null;
  /** A pending claim past expiresAt: verify answers 409; add the domain again for a new token. */
  expired: boolean;
}

interface DomainRow {
  id: string;
  hostname: string;
  verified: boolean;
  primary: boolean;
  verification_token: string | null;
  created_at: Date;
  verified_at: Date | null;
}

const columns = `id, hostname, verified, "primary", verification_token, created_at, verified_at`;

function view(row: DomainRow, now = new Date()): DomainView {
  const expiresAt = row.verified ? null : claimExpiresAt(row.created_at);
  return {
    hostname: row.hostname,
    verified: row.verified,
    primary: row.primary,
    createdAt: row.created_at,
    verifiedAt: row.verified_at,
    verification: row.verification_token ? verificationRecord(row.hostname, row.verification_token) : null,
    expiresAt,
    expired: expiresAt !== null && expiresAt <= now,
  };
}

function parseHostname(raw: string): string {
  const hostname = parseOrThrow(hostnameSchema, raw, "hostname");
  const root = edgeEnv().APP_ROOT_DOMAIN;
  if (hostname === root || hostname.endsWith(`.${root}`))
    throw new AppError("bad_request", `Invalid hostname: ${hostname} is under the platform's root domain ${root}; tenants get those as subdomains.`, [
      { path: "hostname", message: `must not be under ${root}` },
    ]);
  return hostname;
}

const defaultActor = () => systemContext("platform operator");

type Tx = Prisma.TransactionClient;

/** Runs `fn` in one audited transaction holding the tenant row's lock; 404 for an unknown tenant. */
async function withTenantLock<T>(slug: string, actor: AuditContext, fn: (tx: Tx, tenantId: string, audit: AuditHandle) => Promise<T>): Promise<T> {
  parseOrThrow(slugSchema, slug, "slug");
  // Checked first: the audited transaction runs in the tenant's own schema.
  if (!(await platformDb().tenant.findUnique({ where: { slug }, select: { id: true } }))) throw new AppError("not_found", `No tenant with the slug "${slug}".`);
  return withAudit(slug, actor, async (tx, audit) => {
    const [tenant] = await tx.$queryRawUnsafe<{ id: string }[]>("SELECT id::text AS id FROM public.tenants WHERE slug = $1 FOR UPDATE", slug);
    if (!tenant) throw new AppError("not_found", `No tenant with the slug "${slug}".`);
    return fn(tx, tenant.id, audit);
  });
}

async function findRow(tx: Tx, tenantId: string, hostname: string): Promise<DomainRow | undefined> {
  const [row] = await tx.$queryRawUnsafe<DomainRow[]>(`SELECT ${columns} FROM public.domains WHERE hostname = $1 AND tenant_id = $2::uuid`, hostname, tenantId);
  return row;
}

const notFound = (slug: string, hostname: string) => new AppError("not_found", `Tenant "${slug}" has no domain ${hostname}.`);

/** After a routing change: the Edge's map and every instance's tenant lookups. */
async function propagate(hostname: string, slug: string | null): Promise<void> {
  await mirrorDomain(hostname, slug);
  await forgetCachedTenants();
}

export async function listDomains(slug: string): Promise<DomainView[]> {
  parseOrThrow(slugSchema, slug, "slug");
  const rows = await platformDb().domain.findMany({
    where: { tenant: { slug } },
    orderBy: [{ primary: "desc" }, { hostname: "asc" }],
    select: { id: true, hostname: true, verified: true, primary: true, verificationToken: true, createdAt: true, verifiedAt: true },
  });
  return rows.map((r) =>
    view({
      id: r.id,
      hostname: r.hostname,
      verified: r.verified,
      primary: r.primary,
      verification_token: r.verificationToken,
      created_at: r.createdAt,
      verified_at: r.verifiedAt,
    }),
  );
}

/**
 * Adds a domain. `verified: false` (the Settings page and API) makes it pending with a
 * TXT record to publish; an operator may add it verified (the default, for the CLI). A
 * hostname any tenant already has (pending or verified) is a 409.
 */
export async function addDomain(
  slug: string,
  rawHostname: string,
  opts: { verified?: boolean; primary?: boolean; actor?: AuditContext } = {},
): Promise<DomainView> {
  parseOrThrow(slugSchema, slug, "slug");
  const hostname = parseHostname(rawHostname);
  const verified = opts.verified ?? true;
  if (opts.primary && !verified)
    throw new AppError("bad_request", "Only a verified domain can be primary.", [{ path: "primary", message: "needs a verified domain" }]);
  const { domain, expiredClaim } = await withTenantLock(slug, opts.actor ?? defaultActor(), async (tx, tenantId, audit) => {
    const [count] = await tx.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM public.domains WHERE tenant_id = $1::uuid AND (verified OR created_at > now() - ${claimTtl})`,
      tenantId,
    );
    if ((count?.n ?? 0) >= maxDomainsPerTenant)
      throw new AppError("conflict", `A tenant has at most ${maxDomainsPerTenant} custom domains; remove one first.`, [], { reason: "too_many_domains" });
    if (opts.primary)
      await tx.$executeRawUnsafe(`UPDATE public.domains SET "primary" = false, updated_at = now() WHERE tenant_id = $1::uuid AND "primary"`, tenantId);
    const token = verified ? null : newVerificationToken();
    // An expired pending claim on the name (another tenant's, or this one's own) gives way:
    // removed here, in the same transaction, and recorded in both trails (below, and in
    // its tenant's after the commit). Row-locked, so two tenants racing for it: one wins.
    const [released] = await tx.$queryRawUnsafe<{ tenant_id: string; slug: string; created_at: Date }[]>(
      `DELETE FROM public.domains d USING public.tenants t
       WHERE d.hostname = $1 AND NOT d.verified AND d.created_at <= now() - ${claimTtl} AND t.id = d.tenant_id
       RETURNING d.tenant_id::text AS tenant_id, t.slug, d.created_at`,
      hostname,
    );
    const expiredClaim = released ? { slug: released.slug, sameTenant: released.tenant_id === tenantId, createdAt: released.created_at } : null;
    // ON CONFLICT: a hostname another tenant (or this one) holds, even one added concurrently.
    const [row] = await tx.$queryRawUnsafe<DomainRow[]>(
      `INSERT INTO public.domains (id, hostname, tenant_id, verified, "primary", verification_token, verified_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2::uuid, $3, $4, $5, CASE WHEN $3 THEN now() END, now())
       ON CONFLICT (hostname) DO NOTHING RETURNING ${columns}`,
      hostname,
      tenantId,
      verified,
      Boolean(opts.primary),
      token,
    );
    if (!row)
      throw new AppError("conflict", `The hostname ${hostname} is already in use.`, [{ path: "hostname", message: "is already claimed" }], {
        reason: "domain_taken",
      });
    const added = view(row);
    await audit.record({
      action: "domain.added",
      targetType: "domain",
      targetId: hostname,
      summary: `custom domain ${hostname} added${verified ? " (verified)" : " (pending verification)"}${expiredClaim ? ", replacing an expired pending claim" : ""}`,
      // Whose claim it was stays out of this tenant's trail.
      metadata: { hostname, before: null, after: { verified, primary: added.primary }, ...(expiredClaim ? { replacedExpiredClaim: true } : {}) },
    });
    return { domain: added, expiredClaim };
  });
  if (expiredClaim && !expiredClaim.sameTenant) await recordClaimLost(expiredClaim.slug, hostname, expiredClaim.createdAt);
  if (verified) await propagate(hostname, slug);
  return domain;
}

/** In the trail of the tenant whose expired claim gave way (its own transaction: it may live on another cluster). */
async function recordClaimLost(slug: string, hostname: string, createdAt: Date): Promise<void> {
  try {
    await withAudit(slug, systemContext("domain claims"), (_tx, audit) =>
      audit.record({
        action: "domain.expired",
        targetType: "domain",
        targetId: hostname,
        summary: `pending claim on ${hostname} expired unverified (added ${createdAt.toISOString()}); another tenant has added the domain`,
        metadata: { hostname, before: { verified: false, addedAt: createdAt.toISOString() }, after: null },
      }),
    );
  } catch (err) {
    log().error({ err, component: "domains", tenant: slug, hostname }, "could not record an expired domain claim");
  }
}

/**
 * Checks the pending domain's TXT record with DNS; when it holds the token the domain
 * is verified and routes (on every instance within 1 s). 422 while the record is not
 * there. A verified domain answers as it is.
 */
export async function verifyDomain(slug: string, rawHostname: string, actor: AuditContext = defaultActor()): Promise<DomainView> {
  parseOrThrow(slugSchema, slug, "slug");
  const hostname = parseOrThrow(hostnameSchema, rawHostname, "hostname");
  const before = (await listDomains(slug)).find((d) => d.hostname === hostname);
  if (!before) throw notFound(slug, hostname);
  if (before.verified) return before;
  if (before.expired)
    throw new AppError(
      "conflict",
      `The pending claim on ${hostname} expired on ${before.expiresAt!.toISOString()} (a claim holds a hostname for ${pendingClaimDays} days). Remove the domain and add it again for a new TXT record to publish.`,
      [],
      { reason: "domain_claim_expired" },
    );
  // DNS is asked outside the transaction: no lock is held while a resolver times out.
  if (!before.verification || !(await txtRecordPublished(hostname, before.verification.value))) {
    throw new AppError(
      "unprocessable",
      `The TXT record ${before.verification?.name ?? hostname} does not hold ${before.verification?.value ?? "the token"} yet. Publish it, wait for DNS to update, and try again.`,
      [],
      { reason: "verification_failed" },
    );
  }
  const token = before.verification.value;
  const domain = await withTenantLock(slug, actor, async (tx, tenantId, audit) => {
    const [row] = await tx.$queryRawUnsafe<DomainRow[]>(
      `UPDATE public.domains SET verified = true, verified_at = now(), updated_at = now()
       WHERE hostname = $1 AND tenant_id = $2::uuid AND verification_token = $3 RETURNING ${columns}`,
      hostname,
      tenantId,
      token,
    );
    if (!row) throw notFound(slug, hostname); // removed meanwhile
    if (before.verified !== row.verified) {
      await audit.record({
        action: "domain.verified",
        targetType: "domain",
        targetId: hostname,
        summary: `custom domain ${hostname} verified by its TXT record`,
        metadata: { hostname, before: { verified: false }, after: { verified: true } },
      });
    }
    return view(row);
  });
  await propagate(hostname, slug);
  return domain;
}

/** Makes a verified domain the tenant's primary one (the others stop being primary). */
export async function setPrimaryDomain(slug: string, rawHostname: string, actor: AuditContext = defaultActor()): Promise<DomainView> {
  const hostname = parseOrThrow(hostnameSchema, rawHostname, "hostname");
  return withTenantLock(slug, actor, async (tx, tenantId, audit) => {
    const row = await findRow(tx, tenantId, hostname);
    if (!row) throw notFound(slug, hostname);
    if (!row.verified) throw new AppError("conflict", `Verify ${hostname} before making it primary.`, [], { reason: "domain_not_verified" });
    if (row.primary) return view(row);
    const [previous] = await tx.$queryRawUnsafe<{ hostname: string }[]>(
      `UPDATE public.domains SET "primary" = false, updated_at = now() WHERE tenant_id = $1::uuid AND "primary" RETURNING hostname`,
      tenantId,
    );
    const [updated] = await tx.$queryRawUnsafe<DomainRow[]>(
      `UPDATE public.domains SET "primary" = true, updated_at = now() WHERE id = $1::uuid RETURNING ${columns}`,
      row.id,
    );
    await audit.record({
      action: "domain.primary_set",
      targetType: "domain",
      targetId: hostname,
      summary: `custom domain ${hostname} made primary${previous ? ` (was ${previous.hostname})` : ""}`,
      metadata: { before: { primary: previous?.hostname ?? null }, after: { primary: hostname } },
    });
    return view(updated!);
  });
}

export async function removeDomain(slug: string, rawHostname: string, actor: AuditContext = defaultActor()): Promise<void> {
  const hostname = parseOrThrow(hostnameSchema, rawHostname, "hostname");
  await withTenantLock(slug, actor, async (tx, tenantId, audit) => {
    const [row] = await tx.$queryRawUnsafe<DomainRow[]>(
      `DELETE FROM public.domains WHERE hostname = $1 AND tenant_id = $2::uuid RETURNING ${columns}`,
      hostname,
      tenantId,
    );
    if (!row) throw notFound(slug, hostname);
    await audit.record({
      action: "domain.removed",
      targetType: "domain",
      targetId: hostname,
      summary: `custom domain ${hostname} removed`,
      metadata: { hostname, before: { verified: row.verified, primary: row.primary }, after: null },
    });
  });
  await propagate(hostname, null);
}
