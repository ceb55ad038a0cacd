// Integrations of one tenant: create (the secret shown once), list, edit, pause,
// rotate the secret, delete. Every write runs through withAudit.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import type { Integration, Prisma } from "@/lib/db/generated/tenant/client";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { parseOnce, parseOrThrow } from "@/lib/errors/from-zod";
import { resetCircuit } from "./outbound/circuit-breaker";
import { openIntegrationSecret, sealIntegrationSecret } from "./secrets";
import { createIntegrationInput, restSettingsSchema, rotateSecretInput, updateIntegrationInput, webhookSettingsSchema, type WebhookSettings } from "./settings";
import { generateSecret } from "./signatures";
import { toIntegrationView, type IntegrationView } from "./view";

const uuid = z.uuid();
const maxIntegrations = 200;

export function notFound(): AppError {
  return new AppError("not_found", "No such integration.");
}

/** The row, or not_found (also for ids that are not uuids, or belong to another tenant: each tenant has its own table). */
export async function loadIntegration(slug: string, id: string, db: Prisma.TransactionClient = tenantDb(slug)): Promise<Integration> {
  if (!uuid.safeParse(id).success) throw notFound();
  const row = await db.integration.findUnique({ where: { id } });
  if (!row) throw notFound();
  return row;
}

async function assertOrganization(tx: Prisma.TransactionClient, organizationId: string | null | undefined): Promise<void> {
  if (!organizationId) return;
  if (!(await tx.organization.findUnique({ where: { id: organizationId }, select: { id: true } })))
    throw new AppError("bad_request", "Invalid integration: organizationId names no organization of this tenant.", [
      { path: "organizationId", message: "no organization with this id" },
    ]);
}

async function assertForwardTarget(tx: Prisma.TransactionClient, settings: WebhookSettings): Promise<void> {
  if (!settings.forwardTo) return;
  const target = await tx.integration.findUnique({ where: { id: settings.forwardTo.integrationId }, select: { kind: true } });
  if (target?.kind !== "rest") {
    throw new AppError("bad_request", "Invalid integration: settings.forwardTo.integrationId must name a rest integration of this tenant.", [
      { path: "settings.forwardTo.integrationId", message: "no rest integration with this id" },
    ]);
  }
}

/** Every integration, or (`organizationId`) only that organization's, for a key scoped to it. */
export async function listIntegrations(slug: string, organizationId: string | null = null): Promise<IntegrationView[]> {
  const rows = await tenantDb(slug).integration.findMany({
    where: organizationId ? { organizationId } : {},
    orderBy: { createdAt: "asc" },
    take: maxIntegrations,
  });
  return rows.map(toIntegrationView);
}

export async function getIntegration(slug: string, id: string): Promise<IntegrationView> {
  return toIntegrationView(await loadIntegration(slug, id));
}

/** Creates an integration. A webhook integration's signing secret is generated and returned here only. */
export async function createIntegration(slug: string, raw: unknown, ctx: AuditContext): Promise<{ integration: IntegrationView; secret: string | null }> {
  const input = parseOnce(createIntegrationInput, raw, "integration");
  const id = randomUUID();
  const secret = input.kind === "webhook" ? generateSecret(input.scheme) : (input.token ?? null);
  const row = await withAudit(slug, ctx, async (tx) => {
    if ((await tx.integration.count()) >= maxIntegrations) throw new AppError("conflict", `A tenant can have at most ${maxIntegrations} integrations.`);
    if (input.kind === "webhook") await assertForwardTarget(tx, input.settings);
    await assertOrganization(tx, input.organizationId);
    return tx.integration.create({
      data: {
        id,
        name: input.name,
        kind: input.kind,
        scheme: input.kind === "webhook" ? input.scheme : null,
        settings: input.settings,
        secretSealed: secret === null ? null : sealIntegrationSecret(slug, id, "secret_sealed", secret),
        organizationId: input.organizationId ?? null,
      },
    });
  });
  // A rest integration's token came from the caller: it is not echoed back.
  return { integration: toIntegrationView(row), secret: input.kind === "webhook" ? secret : null };
}

export async function updateIntegration(slug: string, id: string, raw: unknown, ctx: AuditContext): Promise<IntegrationView> {
  const input = parseOnce(updateIntegrationInput, raw, "integration");
  const row = await withAudit(slug, ctx, async (tx) => {
    const current = await loadIntegration(slug, id, tx);
    const data: Prisma.IntegrationUpdateInput = {};
    if (input.name !== undefined) data.name = input.name;
    if (input.status !== undefined) data.status = input.status;
    if (input.organizationId !== undefined) {
      await assertOrganization(tx, input.organizationId);
      data.organization = input.organizationId === null ? { disconnect: true } : { connect: { id: input.organizationId } };
    }
    if (input.settings !== undefined) {
      if (current.kind === "webhook") {
        const settings = parseOrThrow(webhookSettingsSchema, input.settings, "integration settings");
        await assertForwardTarget(tx, settings);
        data.settings = settings;
      } else {
        data.settings = parseOrThrow(restSettingsSchema, input.settings, "integration settings");
      }
    }
    if (input.token !== undefined) {
      if (current.kind !== "rest")
        throw new AppError("bad_request", "Invalid integration: a webhook integration's secret is rotated, not set (POST .../rotate-secret).", [
          { path: "token", message: "only for rest integrations" },
        ]);
      data.secretSealed = input.token === null ? null : sealIntegrationSecret(slug, id, "secret_sealed", input.token);
    }
    return tx.integration.update({ where: { id }, data });
  });
  return toIntegrationView(row);
}

/**
 * A new webhook signing secret, returned once. The previous one keeps verifying for
 * `graceSeconds` (default a day) so the provider can be switched without losing events.
 */
export async function rotateWebhookSecret(
  slug: string,
  id: string,
  raw: unknown,
  ctx: AuditContext,
): Promise<{ integration: IntegrationView; secret: string }> {
  const input = parseOnce(rotateSecretInput, raw ?? {}, "rotation");
  let secret = "";
  const row = await withAudit(slug, ctx, async (tx, audit) => {
    const current = await loadIntegration(slug, id, tx);
    if (current.kind !== "webhook" || !current.scheme)
      throw new AppError("bad_request", "Only a webhook integration has a signing secret to rotate; set a rest integration's token with PATCH.");
    secret = generateSecret(current.scheme as Parameters<typeof generateSecret>[0]);
    const now = new Date();
    // The previous secret is re-sealed for its own column (the AAD names the column).
    const previous = current.secretSealed ? openIntegrationSecret(slug, id, "secret_sealed", current.secretSealed) : null;
    const updated = await tx.integration.update({
      where: { id },
      data: {
        secretSealed: sealIntegrationSecret(slug, id, "secret_sealed", secret),
        previousSecretSealed: previous && input.graceSeconds > 0 ? sealIntegrationSecret(slug, id, "previous_secret_sealed", previous) : null,
        previousSecretExpiresAt: previous && input.graceSeconds > 0 ? new Date(now.getTime() + input.graceSeconds * 1000) : null,
        secretRotatedAt: now,
      },
    });
    await audit.record({
      action: auditActions.secretRotated,
      targetType: "integration",
      targetId: id,
      summary: `signing secret of ${current.name} rotated; the previous one verifies for ${input.graceSeconds} s`,
      metadata: { graceSeconds: input.graceSeconds },
    });
    return updated;
  });
  return { integration: toIntegrationView(row), secret };
}

export async function deleteIntegration(slug: string, id: string, ctx: AuditContext): Promise<void> {
  await withAudit(
    slug,
    ctx,
    async (tx) => {
      await loadIntegration(slug, id, tx);
      const forwarding = await tx.integration.findFirst({ where: { settings: { path: ["forwardTo", "integrationId"], equals: id } }, select: { name: true } });
      if (forwarding) throw new AppError("conflict", `The webhook integration "${forwarding.name}" forwards to this one; change it first.`);
      await tx.integration.delete({ where: { id } });
    },
    // Deleting cascades to the inbox and synced records, each an audit row.
    { timeoutMs: 60_000 },
  );
  await resetCircuit(slug, id).catch(() => undefined);
}
