// What an integration is configured with, per kind, parsed with zod at every boundary
// (API, UI, the row read back from the database). Secrets are never part of settings.
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { numberLimits, textLimits } from "@/lib/zod/limits";
import { webhookSchemeSchema } from "./signatures/schemes";

export const integrationKinds = ["webhook", "rest"] as const;
export const integrationKindSchema = z.enum(integrationKinds);
export type IntegrationKind = z.infer<typeof integrationKindSchema>;
export type WebhookScheme = z.infer<typeof webhookSchemeSchema>;

const headerName = text()
  .trim()
  .regex(new RegExp(`^[A-Za-z0-9!#$%&'*+.^_\`|~-]{1,${textLimits.headerName}}$`), "must be an HTTP header name");

/** The parsed URL, or null when it does not parse (z.url reports that; zod 4 still runs the refinements after it). */
function parsedUrl(u: string): URL | null {
  try {
    return new URL(u);
  } catch {
    return null;
  }
}

const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(textLimits.url)
  .refine((u) => !parsedUrl(u)?.username && !parsedUrl(u)?.password, "must not contain credentials")
  .refine((u) => !parsedUrl(u)?.search && !parsedUrl(u)?.hash, "must not contain a query or fragment (put secrets in the token)");

const apiPath = text()
  .trim()
  .max(textLimits.apiPath)
  .regex(/^\/(?!\/)[^\s?#]*$/, "must be a path starting with / (no query, no host)");

/** Replays of a body are refused for a day unless the integration says otherwise. */
export const defaultReplayWindowSeconds = 86_400;

export const webhookSettingsSchema = z
  .object({
    /** hmac-sha256 only: the header carrying the signature, and the one carrying the event id. */
    signatureHeader: headerName.optional(),
    eventIdHeader: headerName.optional(),
    /** Incoming deliveries per minute before 429 + Retry-After. */
    rateLimitPerMinute: z.number().int().min(numberLimits.webhookRateLimitPerMinute.min).max(numberLimits.webhookRateLimitPerMinute.max).default(600),
    /**
     * github and hmac-sha256 only (their event id is not signed): a body this integration
     * stored within this many seconds is a duplicate, whatever its event id (replays).
     * Unset: defaultReplayWindowSeconds.
     */
    replayWindowSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .optional(),
    /** Optional: pass each processed event on to a `rest` integration of the same tenant. */
    forwardTo: z
      .object({ integrationId: z.uuid(), path: apiPath.default("/events") })
      .strict()
      .optional(),
  })
  .strict();

export const syncSettingsSchema = z
  .object({
    path: apiPath.default("/records"),
    /** Where the page's items are in the response, and each item's id. */
    itemsField: text().min(1).max(100).default("data"),
    idField: text().min(1).max(100).default("id"),
    /** The query parameter that takes the cursor, and where the next cursor is in the response (null/absent: last page). */
    cursorParam: text().min(1).max(100).default("cursor"),
    nextCursorField: text().min(1).max(100).default("next_cursor"),
    pageSize: z.number().int().min(1).max(1000).default(100),
    pageSizeParam: text().min(1).max(100).default("limit"),
    /** 0: only on demand. */
    intervalMinutes: z.number().int().min(numberLimits.syncIntervalMinutes.min).max(numberLimits.syncIntervalMinutes.max).default(0),
  })
  .strict();

export const restSettingsSchema = z
  .object({
    baseUrl: httpUrl,
    timeoutMs: z.number().int().min(numberLimits.timeoutMs.min).max(numberLimits.timeoutMs.max).default(10_000),
    maxAttempts: z.number().int().min(1).max(5).default(3),
    rateLimitPerMinute: z.number().int().min(numberLimits.restRateLimitPerMinute.min).max(numberLimits.restRateLimitPerMinute.max).default(60),
    failureThreshold: z.number().int().min(1).max(100).default(5),
    openSeconds: z.number().int().min(1).max(3600).default(30),
    sync: syncSettingsSchema.optional(),
  })
  .strict();

export type WebhookSettings = z.infer<typeof webhookSettingsSchema>;
export type RestSettings = z.infer<typeof restSettingsSchema>;
export type SyncSettings = z.infer<typeof syncSettingsSchema>;

const name = text().trim().min(1, "Give the integration a name.").max(textLimits.name);
/** The organization the integration belongs to (keys scoped to it see it); null: the whole tenant's. */
const organizationId = z.uuid("must be an organization's id").nullable().optional();

export const createIntegrationInput = z.discriminatedUnion("kind", [
  z
    .object({
      name,
      kind: z.literal("webhook"),
      scheme: webhookSchemeSchema,
      settings: webhookSettingsSchema.default(webhookSettingsSchema.parse({})),
      organizationId,
    })
    .strict(),
  z
    .object({
      name,
      kind: z.literal("rest"),
      settings: restSettingsSchema,
      /** The external API's token, sent as `Authorization: Bearer`; optional for open APIs. */
      token: text().min(1).max(textLimits.apiToken).optional(),
      organizationId,
    })
    .strict(),
]);
export type CreateIntegrationInput = z.infer<typeof createIntegrationInput>;

/** A partial edit; settings are replaced as a whole and validated for the row's kind. */
export const updateIntegrationInput = z
  .object({
    name: name.optional(),
    status: z.enum(["active", "paused"]).optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    token: text().min(1).max(textLimits.apiToken).nullable().optional(),
    organizationId,
  })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined), "Give at least one field to change.");
export type UpdateIntegrationInput = z.infer<typeof updateIntegrationInput>;

export const rotateSecretInput = z
  .object({
    /** How long the previous secret keeps verifying, so the provider can switch over. */
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .default(24 * 3600),
  })
  .strict();

/** A rest integration's sync settings; undefined when it is not one that syncs. */
export function syncSettingsOf(row: { kind: string; settings: unknown }): SyncSettings | undefined {
  return row.kind === "rest" ? restSettingsSchema.safeParse(row.settings).data?.sync : undefined;
}

export function parseSettings(kind: "webhook", raw: unknown): WebhookSettings;
export function parseSettings(kind: "rest", raw: unknown): RestSettings;
export function parseSettings(kind: IntegrationKind, raw: unknown): WebhookSettings | RestSettings;
export function parseSettings(kind: IntegrationKind, raw: unknown): WebhookSettings | RestSettings {
  return kind === "webhook" ? webhookSettingsSchema.parse(raw) : restSettingsSchema.parse(raw);
}
