// The longest text each kind of field accepts: the zod schemas enforce these, and the
// forms set `maxlength` from the same numbers, so the two cannot drift apart. No imports:
// client components read it too.
export const textLimits = {
  /** People, API keys, integrations, organizations, tenants. */
  name: 100,
  /** RFC 5321's longest usable address. */
  email: 254,
  password: 256,
  /** A DNS name. */
  hostname: 253,
  /** An integration's base URL, and each CORS origin. */
  url: 2_000,
  /** A tenant's logo (an https URL). */
  logoUrl: 2_048,
  /** A path on an external API (sync path, forward path). */
  apiPath: 500,
  /** An HTTP header name. */
  headerName: 100,
  /** An external API's token. */
  apiToken: 4_000,
  /** A TOTP code or a recovery code, as typed in the account page. */
  accountCode: 32,
  /** A TOTP code or a recovery code at sign-in. */
  signInCode: 64,
  /** Audit filters: free text, actor and target ids, action prefix and target type. */
  auditQuery: 200,
  auditId: 200,
  auditAction: 100,
  auditTargetType: 100,
  /** A tenant slug (the subdomain). */
  slug: 40,
  /** A #rrggbb colour (the schema's pattern is exactly that long). */
  accentColor: 7,
  /** An operator's TOTP code (exactly this many digits). */
  operatorCode: 6,
  /** The operator console's tenant search and audit action filter. */
  consoleQuery: 100,
  consoleAction: 100,
} as const;

/** Entries of the settings page's list fields (one a line). */
export const listLimits = { corsOrigins: 50, alertAddresses: 20 } as const;

/** The maxlength of a one-entry-a-line textarea: `count` entries of `each` characters and their line breaks. */
export const listTextLength = (count: number, each: number): number => count * (each + 1);

/** Bounds of the numbers typed into text fields (integration settings). */
export const numberLimits = {
  timeoutMs: { min: 100, max: 30_000 },
  syncIntervalMinutes: { min: 0, max: 10_080 },
  restRateLimitPerMinute: { min: 1, max: 100_000 },
  webhookRateLimitPerMinute: { min: 1, max: 100_000 },
} as const;

/** The maxlength of a text field holding a whole number up to `max`. */
export const digitsOf = (max: number): number => String(max).length;
