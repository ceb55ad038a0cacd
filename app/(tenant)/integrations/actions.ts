"use server";
// Integrations page mutations: thin glue over lib/integrations (which validates the
// settings with its zod schemas and audits every write) with the permission checked by
// tenantAction. Form fields are named after the schema paths, so the library's field
// errors land beside the field that caused them.
import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { AppError } from "@/lib/errors/app-error";
import { tenantAction } from "@/lib/http/tenant-action";
import { tenantOrigin } from "@/lib/http/tenant-url";
import { replayEvents } from "@/lib/integrations/inbox/replay";
import { createIntegration, deleteIntegration, getIntegration, rotateWebhookSecret, updateIntegration } from "@/lib/integrations/integrations";
import { dismissNotice } from "@/lib/integrations/notices";
import type { RestSettings, WebhookSettings } from "@/lib/integrations/settings";
import { requestSync } from "@/lib/integrations/sync/request-sync";

/** A text field: trimmed, empty means absent. */
const optionalText = (max: number) =>
  text()
    .max(max)
    .optional()
    .transform((v) => v?.trim() || undefined);

/** A number field: empty means absent (the library's default applies), else a whole number. */
const optionalWholeNumber = text()
  .max(20)
  .optional()
  .transform((v) => v?.trim() || undefined)
  .pipe(
    text()
      .regex(/^\d+$/, "Enter a whole number.")
      .transform((v) => Number(v))
      .optional(),
  );

const idField = text().max(100);

function revalidateIntegrations() {
  revalidatePath("/integrations", "layout");
}

/** A sync interval without a sync path would be dropped silently: say so instead. */
function syncSettings(path: string | undefined, intervalMinutes: number | undefined, field: string, current?: RestSettings["sync"]) {
  if (!path) {
    if (intervalMinutes)
      throw new AppError("bad_request", "Invalid integration: give a sync path to sync on a schedule.", [
        { path: field, message: "Give the path to sync from, e.g. /records." },
      ]);
    return undefined;
  }
  return { ...(current ?? {}), path, ...(intervalMinutes !== undefined ? { intervalMinutes } : {}) };
}

// ---------------------------------------------------------------------------------
// Create

const createInput = z.object({
  name: text().max(300),
  kind: z.enum(["webhook", "rest"], { error: "Choose a webhook or a REST API integration." }),
  scheme: optionalText(40),
  "settings.signatureHeader": optionalText(200),
  "settings.eventIdHeader": optionalText(200),
  "settings.baseUrl": optionalText(2100),
  "settings.timeoutMs": optionalWholeNumber,
  "settings.sync.path": optionalText(600),
  "settings.sync.intervalMinutes": optionalWholeNumber,
  token: text()
    .max(5000)
    .optional()
    .transform((v) => v?.trim() || undefined),
  // "" (the whole tenant) or an organization's id: the library's schema (the API's) checks
  // it is an id, and that the organization is one of this tenant's.
  organizationId: text()
    .max(100)
    .optional()
    .transform((v) => v?.trim() || undefined),
});

export type CreatedIntegration = {
  id: string;
  name: string;
  kind: "webhook" | "rest";
  /** The webhook signing secret: in this answer only. */
  secret: string | null;
  webhookUrl: string | null;
};

export const createIntegrationAction = tenantAction(
  { permission: "integrations:write", input: createInput, what: "integration" },
  async (ctx, v): Promise<CreatedIntegration> => {
    let body: Record<string, unknown>;
    if (v.kind === "webhook") {
      const settings: Record<string, unknown> = {};
      if (v.scheme === "hmac-sha256") {
        if (v["settings.signatureHeader"]) settings.signatureHeader = v["settings.signatureHeader"];
        if (v["settings.eventIdHeader"]) settings.eventIdHeader = v["settings.eventIdHeader"];
      }
      body = { name: v.name, kind: "webhook", scheme: v.scheme ?? "", settings };
    } else {
      const settings: Record<string, unknown> = { baseUrl: v["settings.baseUrl"] ?? "" };
      if (v["settings.timeoutMs"] !== undefined) settings.timeoutMs = v["settings.timeoutMs"];
      const sync = syncSettings(v["settings.sync.path"], v["settings.sync.intervalMinutes"], "settings.sync.path");
      if (sync) settings.sync = sync;
      body = { name: v.name, kind: "rest", settings, ...(v.token ? { token: v.token } : {}) };
    }
    if (v.organizationId) body.organizationId = v.organizationId;
    const { integration, secret } = await createIntegration(ctx.tenant.slug, body, ctx.actor);
    revalidateIntegrations();
    return {
      id: integration.id,
      name: integration.name,
      kind: integration.kind,
      secret,
      webhookUrl: integration.webhookPath ? `${tenantOrigin(await headers(), ctx.tenant.slug)}${integration.webhookPath}` : null,
    };
  },
);

// ---------------------------------------------------------------------------------
// Edit, pause/resume, delete, rotate

const updateInput = z.object({
  id: idField,
  name: text().max(300),
  signatureHeader: optionalText(200),
  eventIdHeader: optionalText(200),
  rateLimitPerMinute: optionalWholeNumber,
  baseUrl: optionalText(2100),
  timeoutMs: optionalWholeNumber,
  "sync.path": optionalText(600),
  "sync.intervalMinutes": optionalWholeNumber,
  token: text()
    .max(5000)
    .optional()
    .transform((v) => v?.trim() || undefined),
  clearToken: z.literal("on").optional(),
});

/**
 * Name and settings in one write (the library validates the settings for the kind and
 * audits the change). Settings the form does not show (forwarding, retry knobs, the
 * sync's field names) are kept as they are.
 */
export const updateIntegrationAction = tenantAction({ permission: "integrations:write", input: updateInput, what: "integration" }, async (ctx, v) => {
  const current = await getIntegration(ctx.tenant.slug, v.id);
  const body: Record<string, unknown> = { name: v.name };
  if (current.kind === "webhook") {
    const settings: Record<string, unknown> = { ...(current.settings as WebhookSettings) };
    delete settings.signatureHeader;
    delete settings.eventIdHeader;
    delete settings.rateLimitPerMinute;
    if (v.rateLimitPerMinute !== undefined) settings.rateLimitPerMinute = v.rateLimitPerMinute;
    if (current.scheme === "hmac-sha256") {
      if (v.signatureHeader) settings.signatureHeader = v.signatureHeader;
      if (v.eventIdHeader) settings.eventIdHeader = v.eventIdHeader;
    }
    body.settings = settings;
  } else {
    const currentSettings = current.settings as RestSettings;
    const settings: Record<string, unknown> = { ...currentSettings, baseUrl: v.baseUrl ?? "" };
    delete settings.timeoutMs;
    delete settings.rateLimitPerMinute;
    delete settings.sync;
    if (v.timeoutMs !== undefined) settings.timeoutMs = v.timeoutMs;
    if (v.rateLimitPerMinute !== undefined) settings.rateLimitPerMinute = v.rateLimitPerMinute;
    const sync = syncSettings(v["sync.path"], v["sync.intervalMinutes"], "sync.path", currentSettings.sync);
    if (sync) settings.sync = sync;
    body.settings = settings;
    if (v.clearToken) body.token = null;
    else if (v.token) body.token = v.token;
  }
  await updateIntegration(ctx.tenant.slug, v.id, body, ctx.actor);
  revalidateIntegrations();
  return { saved: true };
});

export const setIntegrationStatusAction = tenantAction(
  { permission: "integrations:write", input: z.object({ id: idField, status: z.enum(["active", "paused"]) }), what: "integration status" },
  async (ctx, v) => {
    const integration = await updateIntegration(ctx.tenant.slug, v.id, { status: v.status }, ctx.actor);
    revalidateIntegrations();
    return { status: integration.status };
  },
);

/** The page it was on no longer exists: the client navigates to the list (see followRedirect). */
export const deleteIntegrationAction = tenantAction(
  { permission: "integrations:write", input: z.object({ id: idField }), what: "integration deletion" },
  async (ctx, v) => {
    await deleteIntegration(ctx.tenant.slug, v.id, ctx.actor);
    revalidateIntegrations();
    return { redirectTo: "/integrations" };
  },
);

export type RotatedSecret = { secret: string; previousSecretExpiresAt: string | null };

export const rotateSecretAction = tenantAction(
  {
    permission: "integrations:write",
    input: z.object({ id: idField, graceSeconds: z.enum(["0", "3600", "86400", "604800"], { error: "Choose how long the old secret keeps working." }) }),
    what: "secret rotation",
  },
  async (ctx, v): Promise<RotatedSecret> => {
    const { integration, secret } = await rotateWebhookSecret(ctx.tenant.slug, v.id, { graceSeconds: Number(v.graceSeconds) }, ctx.actor);
    revalidateIntegrations();
    return { secret, previousSecretExpiresAt: integration.previousSecretExpiresAt };
  },
);

// ---------------------------------------------------------------------------------
// Inbox and sync

export const replayEventAction = tenantAction(
  { permission: "integrations:write", input: z.object({ id: idField, eventId: idField }), what: "replay" },
  async (ctx, v) => {
    const result = await replayEvents(ctx.tenant.slug, v.id, { ids: [v.eventId], statuses: ["dead", "failed", "received"] }, ctx.actor);
    revalidateIntegrations();
    return { replayed: result.replayed };
  },
);

export const replayDeadAction = tenantAction({ permission: "integrations:write", input: z.object({ id: idField }), what: "replay" }, async (ctx, v) => {
  const result = await replayEvents(ctx.tenant.slug, v.id, { statuses: ["dead"] }, ctx.actor);
  revalidateIntegrations();
  return { replayed: result.replayed };
});

/** Throws AppError unavailable (shown as the form's message) when the engine cannot be reached. */
export const syncNowAction = tenantAction({ permission: "integrations:write", input: z.object({ id: idField }), what: "sync" }, async (ctx, v) => {
  const { eventId } = await requestSync(ctx.tenant.slug, v.id, "manual");
  revalidateIntegrations();
  return { eventId };
});

// ---------------------------------------------------------------------------------
// Notices (shown by the tenant shell on every page)

export const dismissNoticeAction = tenantAction({ permission: "integrations:write", input: z.object({ id: idField }), what: "notice" }, async (ctx, v) => {
  await dismissNotice(ctx.tenant.slug, v.id, ctx.actor);
  revalidatePath("/", "layout");
  return { dismissed: v.id };
});
