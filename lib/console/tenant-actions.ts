// What an operator does to tenants, each in one transaction with its platform audit
// event (before and after where something changes). The tenancy functions do the work;
// this adds the operator's rules (which status changes are allowed) and the audit.
import type { AuditContext } from "@/lib/audit/context";
import { markAuditDirty } from "@/lib/audit/sealer-loop";
import { AppError } from "@/lib/errors/app-error";
import { onPrisma, recordPlatformEvent, sealPlatformAudit } from "@/lib/platform-audit/record";
import { createTenant, type CreatedTenant } from "@/lib/tenancy/create-tenant";
import { addDomain, removeDomain, setPrimaryDomain, verifyDomain, type DomainView } from "@/lib/tenancy/domains";
import { getPool } from "@/lib/db/pool";
import { log } from "@/lib/observability/logger";
import { setTenantStatus } from "@/lib/tenancy/set-tenant-status";
import type { TenantRecord } from "@/lib/tenancy/tenant-record";
import type { TenantStatus } from "@/lib/db/generated/platform/enums";
import type { z } from "zod";
import type { StatusAction, addDomainBody, createTenantBody } from "./console-input";

async function sealedAfter<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await sealPlatformAudit();
  }
}

/** A new tenant with its owner invited; the invitation token is returned once (only its hash is stored). */
export async function createTenantAsOperator(
  input: z.infer<typeof createTenantBody>,
  ctx: AuditContext,
): Promise<CreatedTenant & { ownerInvitationToken: string }> {
  const created = await sealedAfter(() =>
    createTenant(
      { slug: input.slug, name: input.name, ownerEmail: input.ownerEmail, cluster: input.cluster },
      {
        // The owner's row in the tenant's own log names the operator too.
        actor: ctx,
        inPlatformTransaction: async (client) => {
          await recordPlatformEvent(client, ctx, {
            action: "tenant.created",
            targetType: "tenant",
            targetId: input.slug,
            summary: `tenant ${input.slug} (${input.name}) created, owner ${input.ownerEmail} invited`,
            metadata: { slug: input.slug, name: input.name, ownerEmail: input.ownerEmail, cluster: input.cluster ?? null },
          });
        },
      },
    ).catch((err: unknown) => {
      // The application role may not create schemas (DATABASE_APP_ROLE, least privilege).
      if ((err as { code?: string }).code === "42501")
        throw new AppError("unavailable", "This deployment's database role may not create tenant schemas; create the tenant with npm run tenants -- create.");
      throw err;
    }),
  );
  markAuditDirty(created.slug);
  if (!created.ownerInvitationToken) throw new Error("createTenant returned no owner invitation");
  return { ...created, ownerInvitationToken: created.ownerInvitationToken };
}

const transitions: Record<StatusAction, { to: TenantStatus; from: TenantStatus[]; verb: string }> = {
  suspend: { to: "suspended", from: ["active"], verb: "suspended" },
  resume: { to: "active", from: ["suspended"], verb: "resumed" },
  // Archived is final in the console (the tenants CLI can still change it).
  archive: { to: "archived", from: ["active", "suspended"], verb: "archived" },
};

export async function changeTenantStatus(slug: string, action: StatusAction, ctx: AuditContext): Promise<TenantRecord> {
  const t = transitions[action];
  return sealedAfter(() =>
    setTenantStatus(slug, t.to, {
      from: t.from,
      inTransaction: (tx, change) =>
        recordPlatformEvent(onPrisma(tx), ctx, {
          action: `tenant.${t.verb}`,
          targetType: "tenant",
          targetId: slug,
          summary: `tenant ${slug} ${t.verb}`,
          metadata: { before: { status: change.before }, after: { status: change.tenant.status } },
        }).then(() => undefined),
    }),
  );
}

/**
 * Domains go through lib/tenancy/domains.ts, whose transaction is the tenant's (its
 * audit trail records the change with the operator as actor, atomically). The platform
 * log gets the event right after that commit; if that write fails, the change stands,
 * the tenant's trail has it, and the failure is logged.
 */
async function afterDomainChange(
  ctx: AuditContext,
  slug: string,
  action: string,
  hostname: string,
  summary: string,
  metadata: Record<string, unknown>,
): Promise<void> {
  await sealedAfter(() =>
    recordPlatformEvent(getPool(), ctx, { action, targetType: "domain", targetId: hostname, summary, metadata: { tenant: slug, ...metadata } }),
  ).catch((err: unknown) =>
    log().error(
      { component: "console", action, hostname, reason: err instanceof Error ? err.message : String(err) },
      "platform audit event not written after a domain change",
    ),
  );
}

export async function addTenantDomain(slug: string, input: z.infer<typeof addDomainBody>, ctx: AuditContext): Promise<DomainView> {
  const domain = await addDomain(slug, input.hostname, { verified: input.verified ?? false, primary: input.primary, actor: ctx });
  await afterDomainChange(
    ctx,
    slug,
    "domain.added",
    domain.hostname,
    `domain ${domain.hostname} added to tenant ${slug}${domain.verified ? " (verified)" : " (pending)"}`,
    {
      before: null,
      after: { verified: domain.verified, primary: domain.primary },
    },
  );
  return domain;
}

export async function verifyTenantDomain(slug: string, hostname: string, ctx: AuditContext): Promise<DomainView> {
  const domain = await verifyDomain(slug, hostname, ctx);
  await afterDomainChange(ctx, slug, "domain.verified", domain.hostname, `domain ${domain.hostname} of tenant ${slug} verified`, { after: { verified: true } });
  return domain;
}

export async function setPrimaryTenantDomain(slug: string, hostname: string, ctx: AuditContext): Promise<DomainView> {
  const domain = await setPrimaryDomain(slug, hostname, ctx);
  await afterDomainChange(ctx, slug, "domain.primary_set", domain.hostname, `domain ${domain.hostname} made primary for tenant ${slug}`, {
    after: { primary: true },
  });
  return domain;
}

export async function removeTenantDomain(slug: string, hostname: string, ctx: AuditContext): Promise<void> {
  await removeDomain(slug, hostname, ctx);
  await afterDomainChange(ctx, slug, "domain.removed", hostname, `domain ${hostname} removed from tenant ${slug}`, { after: null });
}
