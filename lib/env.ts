// The one place configuration is read. Parsed once with zod; a missing or malformed
// variable stops start-up with a message naming it. Edge code (middleware) may only
// use `edgeEnv()`: it touches no Node API. `toolingEnv()` is for the dev stack, the
// test runner and the Redis bridge, which run before DATABASE_URL exists.
import { z } from "zod";
import { allowedHostKey } from "@/lib/integrations/outbound/allowed-hosts";

const booleanFlag = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

/** Logging: read by the Node logger, the Edge access log and the CLIs (which have no DATABASE_URL). */
const logFields = z.object({
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** json: one JSON object a line (production). pretty: pino-pretty, set by `npm run dev` only. */
  LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
});

const edgeFields = z.object({
  APP_ROOT_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/, "must be a bare hostname such as localhost or example.com")
    .default("localhost"),
  UPSTASH_REDIS_REST_URL: z.url().optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{0,64}$/, "must be up to 64 letters, digits, ':', '_' or '-'")
    .default(""),
  /** How long one Redis request may take before it counts as failed. */
  REDIS_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(750),
  /** How long a rate-limit check waits for Redis before failing open (API) or closed (sign-in). */
  RATELIMIT_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(250),
  LOG_LEVEL: logFields.shape.LOG_LEVEL,
});

const edgeSchema = edgeFields.refine((e) => Boolean(e.UPSTASH_REDIS_REST_URL) === Boolean(e.UPSTASH_REDIS_REST_TOKEN), {
  message: "set both UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or neither",
  path: ["UPSTASH_REDIS_REST_TOKEN"],
});

/** `kid:secret,kid:secret`: distinct key ids, each secret long enough (or 32 bytes of base64). */
function keyList(name: string, minLength: number, encoding?: "base64") {
  return z.string({ error: `is required: kid:<base64 of 32 random bytes> (npm run dev generates one)` }).transform((raw, ctx) => {
    const keys = raw.split(",").map((part) => {
      const at = part.indexOf(":");
      return { kid: part.slice(0, at).trim(), secret: part.slice(at + 1).trim(), ok: at > 0 };
    });
    for (const k of keys) {
      const valid =
        k.ok &&
        /^[A-Za-z0-9_-]{1,32}$/.test(k.kid) &&
        (encoding === "base64" ? Buffer.from(k.secret, "base64").length === minLength : k.secret.length >= minLength);
      if (!valid) {
        ctx.addIssue({
          code: "custom",
          message: `${name} must be kid:secret pairs separated by commas, kid of 1-32 letters, digits, _ or -, ${
            encoding === "base64" ? `secret the base64 of ${minLength} bytes` : `secret of ${minLength}+ characters`
          }`,
        });
        return z.NEVER;
      }
    }
    if (new Set(keys.map((k) => k.kid)).size !== keys.length) {
      ctx.addIssue({ code: "custom", message: `${name} lists a key id twice` });
      return z.NEVER;
    }
    return keys.map(({ kid, secret }) => ({ kid, secret }));
  });
}

const databaseUrl = z
  .string({ error: "is required (npm run dev starts an embedded PostgreSQL and sets it)" })
  .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// connection URL");
const redisUrl = z
  .string()
  .regex(/^rediss?:\/\//, "must be a redis:// URL")
  .default("redis://127.0.0.1:6379");
const port = z.coerce.number().int().min(0).max(65_535);
const dnsServerPattern =
  /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?::\d{1,5})?|\[[0-9a-fA-F:.]+\](?::\d{1,5})?|[0-9a-fA-F:]*:[0-9a-fA-F:.]+)$/;

const smtpUrl = z.string().refine(
  (raw) => {
    try {
      const u = new URL(raw);
      return (u.protocol === "smtp:" || u.protocol === "smtps:") && u.hostname !== "";
    } catch {
      return false;
    }
  },
  { message: "must be smtp://[user:password@]host[:port] or smtps://..." },
);
// One mailbox, no header tricks: control characters, extra addresses or angle brackets refused.
const mailFrom = z
  .string()
  .max(320)
  .regex(/^(?:[^<>\p{Cc},;@]{1,100} <[^\s<>@,;]+@[^\s<>@,;]+>|[^\s<>@,;]+@[^\s<>@,;]+)$/u, "must be address@host or Display Name <address@host>");

/** A cluster name: what tenants.cluster and public.db_clusters hold. */
export const clusterNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "must be 1-32 lower-case letters, digits, '_' or '-', starting with a letter");

/**
 * `name=url,...`: the tenant clusters beside the platform's own (DATABASE_URL, always
 * named `default`). Names are distinct, never `default`, and each URL is a PostgreSQL
 * URL (commas in a URL must be percent-encoded).
 */
const clusterList = z.string().transform((raw, ctx) => {
  const clusters: { name: string; url: string }[] = [];
  for (const entry of raw
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf("=");
    const name = at > 0 ? entry.slice(0, at).trim() : "";
    const url = at > 0 ? entry.slice(at + 1).trim() : "";
    const problem = !clusterNameSchema.safeParse(name).success
      ? `"${name || entry}" is not a cluster name (1-32 lower-case letters, digits, '_' or '-', starting with a letter)`
      : name === "default"
        ? `"default" is the platform cluster (DATABASE_URL); give the others other names`
        : !/^postgres(ql)?:\/\/[^\s]+$/.test(url)
          ? `cluster "${name}" needs a postgresql:// URL (name=postgresql://...)`
          : clusters.some((c) => c.name === name)
            ? `cluster "${name}" is listed twice`
            : undefined;
    if (problem) {
      ctx.addIssue({ code: "custom", message: `DATABASE_CLUSTERS must be name=postgresql://... pairs separated by commas: ${problem}` });
      return z.NEVER;
    }
    clusters.push({ name, url });
  }
  return clusters;
});

const serverSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: databaseUrl,
    DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    /** More tenant clusters, `name=url,...` (the platform's DATABASE_URL is `default`). */
    DATABASE_CLUSTERS: clusterList.default([]),
    /** Connections per extra tenant cluster, per process (default: DB_POOL_MAX). */
    CLUSTER_POOL_MAX: z.coerce.number().int().min(1).max(200).optional(),
    /** Where new tenants go without --cluster: `least-loaded` (fewest tenants) or a cluster name. */
    TENANT_PLACEMENT: z.union([z.literal("least-loaded"), clusterNameSchema]).default("least-loaded"),
    TENANT_CLIENT_CACHE_SIZE: z.coerce.number().int().min(1).max(100_000).default(5_000),
    MIGRATION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
    REDIS_URL: redisUrl,
    /** The workflow engine: Inngest Cloud when unset in production; the local runner in dev/test. */
    INNGEST_BASE_URL: z.url().optional(),
    /** Key for sending events (Inngest Cloud / self-hosted); the local runner accepts any when unset. */
    INNGEST_EVENT_KEY: z.string().min(1).optional(),
    /** Key the engine signs its calls to /api/inngest with. Every call must carry it, in every mode; unset: every call gets 401. */
    INNGEST_SIGNING_KEY: z
      .string()
      .regex(/^signkey-[a-z]+-[0-9a-f]+$/, "must look like signkey-<env>-<hex>")
      .optional(),
    /**
     * The SSRF guard refuses private, loopback and link-local addresses everywhere; the
     * only exception is this list of named `host:port` pairs (local test endpoints),
     * e.g. `127.0.0.1:18081,localhost:18082`. Never a blanket switch.
     */
    INTEGRATIONS_ALLOWED_HOSTS: z
      .string()
      .transform((raw, ctx) => {
        const keys: string[] = [];
        for (const entry of raw
          .split(",")
          .map((e) => e.trim())
          .filter(Boolean)) {
          const key = allowedHostKey(entry);
          if (!key) {
            ctx.addIssue({ code: "custom", message: `"${entry}" is not host:port (a hostname or IP address and a port of 1-65535)` });
            return z.NEVER;
          }
          keys.push(key);
        }
        return keys;
      })
      .default([]),
    /** Removed: it turned the SSRF guard off. Refused when set, so a stale config does not silently change meaning. */
    INTEGRATIONS_ALLOW_PRIVATE_NETWORKS: z
      .enum(["0", "false"], { error: "was removed (it switched the SSRF guard off): list local endpoints as host:port in INTEGRATIONS_ALLOWED_HOSTS" })
      .optional(),
    LOG_SQL: booleanFlag.default(false),
    /**
     * DNS servers that custom-domain verification asks for TXT records, comma-separated
     * `ip` or `ip:port` (`[ipv6]:port`). Unset: the machine's resolvers.
     */
    DNS_RESOLVERS: z
      .string()
      .transform((raw, ctx) => {
        const servers = raw
          .split(",")
          .map((e) => e.trim())
          .filter(Boolean);
        for (const entry of servers) {
          if (!dnsServerPattern.test(entry)) {
            ctx.addIssue({ code: "custom", message: `"${entry}" is not an IP address with an optional port (1.2.3.4, 1.2.3.4:5353, [::1]:5353)` });
            return z.NEVER;
          }
        }
        return servers;
      })
      .optional(),
    /**
     * A separate least-privilege role the application connects as (its DATABASE_URL),
     * granted access by migrations and tenant creation, which run as the owning role.
     */
    DATABASE_APP_ROLE: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case PostgreSQL role name")
      .optional(),
    /** Where retention purges write their sealed archives of removed audit rows. */
    AUDIT_ARCHIVE_DIR: z.string().min(1).default(".data/audit-archive"),
    /**
     * An inbox row the engine acknowledged but that is still `received` this long after its
     * dispatch is sent again under the same event id (the engine lost it); admins may
     * replay `received` rows older than this, and the health view counts them as stuck.
     */
    INBOX_REDISPATCH_AFTER_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
    /**
     * The root secret of authentication: next-auth's cookie encryption and, through
     * HKDF, the keys of sign-in tickets and refresh tokens. `npm run dev` makes one.
     */
    AUTH_SECRET: z
      .string({ error: "is required: 32+ random characters (npm run dev generates one; openssl rand -base64 32)" })
      .min(32, "must be at least 32 characters"),
    /**
     * Access-token signing keys, newest first: `kid:secret,kid:secret`. The first signs,
     * all verify, so adding a key in front rotates without logging anyone out. Unset:
     * one key derived from AUTH_SECRET.
     */
    AUTH_JWT_KEYS: keyList("AUTH_JWT_KEYS", 32).optional(),
    /**
     * Keys that encrypt secrets at rest (AES-256-GCM), newest first: `kid:<base64 of 32
     * bytes>,...`. The first encrypts; any listed key decrypts what it wrote.
     */
    ENCRYPTION_KEYS: keyList("ENCRYPTION_KEYS", 32, "base64"),
    /**
     * Proxies in front of the app that append the client's address to X-Forwarded-For.
     * 0 (default, no proxy): the client address is the socket's peer, which our launcher
     * (scripts/start.mjs: npm start, npm run dev) passes in x-platform-peer. N: the
     * address N entries from the right of X-Forwarded-For; anything further left was
     * written by the client and is not trusted (rate limits, sessions, audit rows).
     */
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    /**
     * Set by scripts/start.mjs, never by hand: x-platform-peer was written by the launcher
     * from the socket. Unset (a bare `next start`) the header is ignored as client input.
     */
    PLATFORM_PEER_HEADER: booleanFlag.default(false),
    /**
     * Set by scripts/start.mjs, never by hand: this worker's place (0..WEB_CONCURRENCY-1; a
     * replacement keeps the index of the worker it replaces). Start-up work that one process
     * per instance is enough for (the inbox reconcile pass) runs in worker 0 only.
     */
    PLATFORM_WORKER_INDEX: z.coerce.number().int().min(0).optional(),
    LOG_FORMAT: logFields.shape.LOG_FORMAT,
    /**
     * Bearer token of GET /api/metrics (Prometheus). Unset: the endpoint answers 404.
     * `npm run dev` generates one into .data/dev-secrets.json.
     */
    METRICS_TOKEN: z.string().min(32, "must be at least 32 characters (openssl rand -hex 32)").optional(),
    /** Cookies marked Secure. Default: on in production. */
    AUTH_SECURE_COOKIES: booleanFlag.optional(),
    /**
     * Outgoing mail (lib/mail): `smtp://user:pass@host:587` (STARTTLS when offered) or
     * `smtps://...:465`. `npm run dev` and `npm test` start a local catcher and set it.
     * Unset: nothing is sent; each message is counted as failed and reported once a minute.
     */
    SMTP_URL: smtpUrl.optional(),
    /** Sender of every message: `address` or `Display Name <address>`. Default: no-reply@APP_ROOT_DOMAIN. */
    MAIL_FROM: mailFrom.optional(),
    /** How long one message may take to hand over to SMTP before it counts as failed. */
    MAIL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /**
     * OpenTelemetry traces go to this OTLP/HTTP collector (`<endpoint>/v1/traces`, JSON).
     * Unset: tracing is off and its SDK is never loaded (lib/observability/tracing/).
     */
    OTEL_EXPORTER_OTLP_ENDPOINT: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL of an OTLP/HTTP collector, e.g. http://127.0.0.1:4318" })
      .optional(),
    /** The `service.name` resource attribute of exported spans. */
    OTEL_SERVICE_NAME: z.string().min(1).max(100).default("tenant-platform"),
    /** How long one span export may take before it is abandoned (and counted as failed). */
    OTEL_EXPORTER_OTLP_TIMEOUT: z.coerce.number().int().min(100).max(60_000).default(5_000),
  })
  .refine((e) => e.TENANT_PLACEMENT === "least-loaded" || e.TENANT_PLACEMENT === "default" || e.DATABASE_CLUSTERS.some((c) => c.name === e.TENANT_PLACEMENT), {
    message: "must be least-loaded, default or a cluster named in DATABASE_CLUSTERS",
    path: ["TENANT_PLACEMENT"],
  });

const toolingSchema = z.object({
  /** Unset: the dev stack and the test runner start an embedded PostgreSQL. */
  DATABASE_URL: databaseUrl.optional(),
  /** Tests: a scratch database on each listed server is the second cluster (else an embedded PostgreSQL is). */
  DATABASE_CLUSTERS: clusterList.optional(),
  /**
   * `npm test` runs the app through PgBouncer in transaction mode: auto (when the
   * pgbouncer binary is installed), on (fail without it) or off (connect directly).
   */
  TEST_PGBOUNCER: z.enum(["auto", "on", "off"]).default("auto"),
  /** That PgBouncer's server connections per database (default_pool_size). */
  TEST_PGBOUNCER_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  REDIS_URL: redisUrl,
  /** Port of `npm run dev`. */
  PORT: port.default(3000),
  REDIS_BRIDGE_PORT: port.default(8079),
  REDIS_BRIDGE_HOST: z.string().min(1).default("127.0.0.1"),
  INNGEST_BASE_URL: z.url().optional(),
  /** Port of the local Inngest runner `npm run dev` starts when INNGEST_BASE_URL is unset. */
  INNGEST_RUNNER_PORT: port.default(8288),
  /** Address `npm run dev` binds: loopback only unless said otherwise. */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Where `npm run dev` keeps its data: embedded PostgreSQL, dev secrets, the CLIs' settings. */
  DEV_DATA_DIR: z.string().min(1).default(".data"),
  /** Browser of the e2e tests: auto (/usr/bin/chromium if present, else @sparticuz/chromium), system, or npm. */
  E2E_CHROMIUM: z.enum(["auto", "system", "npm"]).default("auto"),
  /** Ports of the SMTP catcher `npm run dev` starts when SMTP_URL is unset (SMTP, and its page). */
  MAIL_CATCHER_SMTP_PORT: port.default(1025),
  MAIL_CATCHER_HTTP_PORT: port.default(1080),
  /** Set by the test stack: where tests read caught mail (test/support/mail.ts). */
  MAIL_CATCHER_URL: z.url().optional(),
  SMTP_URL: smtpUrl.optional(),
});

export type LogEnv = z.infer<typeof logFields>;
export type EdgeEnv = z.infer<typeof edgeSchema>;
export type ToolingEnv = z.infer<typeof toolingSchema> & EdgeEnv;
export type ServerEnv = z.infer<typeof serverSchema> & EdgeEnv;

export class EnvError extends Error {
  constructor(issues: z.core.$ZodIssue[]) {
    const lines = issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    super(`Invalid environment configuration:\n${lines.join("\n")}`);
    this.name = "EnvError";
  }
}

function parse<T extends z.ZodType>(schema: T, source: Record<string, string | undefined>): z.infer<T> {
  // Empty strings in .env files mean "unset", not "set to nothing".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) throw new EnvError(result.error.issues);
  return result.data;
}

let edgeCache: EdgeEnv | undefined;
let serverCache: ServerEnv | undefined;

export function edgeEnv(): EdgeEnv {
  edgeCache ??= parse(edgeSchema, {
    APP_ROOT_DOMAIN: process.env.APP_ROOT_DOMAIN,
    UPSTASH_REDIS_REST_URL: process.env.UPSTASH_REDIS_REST_URL,
    UPSTASH_REDIS_REST_TOKEN: process.env.UPSTASH_REDIS_REST_TOKEN,
    REDIS_KEY_PREFIX: process.env.REDIS_KEY_PREFIX,
    REDIS_TIMEOUT_MS: process.env.REDIS_TIMEOUT_MS,
    RATELIMIT_TIMEOUT_MS: process.env.RATELIMIT_TIMEOUT_MS,
    LOG_LEVEL: process.env.LOG_LEVEL,
  });
  return edgeCache;
}

export function serverEnv(): ServerEnv {
  serverCache ??= { ...parse(serverSchema, process.env), ...edgeEnv() };
  return serverCache;
}

/** Read fresh on every call: the dev stack changes process.env as it starts parts. */
export function toolingEnv(): ToolingEnv {
  // Without the both-or-neither rule: the Redis bridge is given only the token.
  return { ...parse(toolingSchema, process.env), ...parse(edgeFields, process.env) };
}

/** The logger's settings alone: every process logs, not every one has the server's variables. */
export function logEnv(): LogEnv {
  return parse(logFields, { LOG_LEVEL: process.env.LOG_LEVEL, LOG_FORMAT: process.env.LOG_FORMAT });
}

/** For tests and scripts that change process.env after a first read. */
export function resetEnvCache(): void {
  edgeCache = undefined;
  serverCache = undefined;
}
