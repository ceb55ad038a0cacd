// Property-based fuzzing of the public API and the webhook route, against the real
// `next start` (port 3100) and the real database. Every route file under
// app/api/v1/**/route.ts (and app/api/webhooks/**) is found on disk with the methods it
// exports, so a new route is fuzzed without touching this file; dynamic segments take
// values from the table below (this tenant's ids, the other tenant's ids, junk).
// For every generated request:
//   - no answer is a 5xx;
//   - every 4xx is application/problem+json with the same status in the body;
//   - a refusal (400, 404, 409, 413, 415, 422) writes nothing: the row counts of every
//     table of the tenant (audit log included) are the same before and after;
//   - nothing sent to this tenant ever changes the other tenant's rows.
// Seeded and reproducible: FUZZ_SEED=<n> replays a run (the seed is printed, and each
// route's seed derives from it), FUZZ_RUNS=<n> sets the runs per route (default 30).
//   flock /tmp/e2e.lock npm test -- e2e fuzz
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import fc from "fast-check";
import { z } from "zod";
import { permissions, roles } from "@/lib/auth/permissions";
import { closePool, getPool } from "@/lib/db/pool";
import { webhookSchemes, type WebhookScheme } from "@/lib/integrations/signatures/schemes";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { updateTenantSettings } from "@/lib/tenancy/tenant-settings";
import { auditActions } from "@/lib/audit/actions";
import { systemContext } from "@/lib/audit/context";
import { apiPassword, freshTenant, onPort } from "./support";

// Test-only knobs (not app configuration, so not in lib/env.ts), validated all the same.
const knobs = z
  .object({
    FUZZ_SEED: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    FUZZ_RUNS: z.coerce.number().int().min(1).max(10_000).default(30),
  })
  .parse({ FUZZ_SEED: process.env.FUZZ_SEED || undefined, FUZZ_RUNS: process.env.FUZZ_RUNS || undefined });
const seed = knobs.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31);
const runsPerRoute = knobs.FUZZ_RUNS;
const { url, onHost } = onPort(3100);

// ---------------------------------------------------------------------------------
// Routes, from the filesystem.

const methodNames = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
type Method = (typeof methodNames)[number];

interface RouteMethod {
  /** e.g. /api/v1/integrations/[id]/events/[eventId] */
  template: string;
  method: Method;
}

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

export function discoverRoutes(root = process.cwd()): RouteMethod[] {
  const out: RouteMethod[] = [];
  for (const base of ["app/api/v1", "app/api/webhooks"]) {
    for (const file of routeFiles(path.join(root, base)).sort()) {
      const source = readFileSync(file, "utf8");
      const template = `/${path.relative(path.join(root, "app"), path.dirname(file)).split(path.sep).join("/")}`;
      for (const method of methodNames) {
        if (new RegExp(`export\\s+(const|(async\\s+)?function)\\s+${method}\\b`).test(source)) out.push({ template, method });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------
// Fixtures: two tenants, each with an owner token, a member, an API key and integrations.

interface TenantFixture {
  slug: string;
  token: string;
  ownerId: string;
  /**
   * A second owner whose id the fuzzer never sends: fuzzed requests may delete or demote
   * the first owner (valid requests), and topUp() then uses this one to put an owner back.
   */
  keeperToken: string;
  memberId: string;
  apiKeyId: string;
  apiKey: string;
  integrationIds: string[];
  /** Webhook signing secrets by integration id, to send deliveries that pass the signature check. */
  secrets: Map<string, { scheme: WebhookScheme; secret: string }>;
}

async function call(request: APIRequestContext, slug: string, method: string, p: string, token?: string, data?: unknown) {
  const res = await request.fetch(url("127.0.0.1", p), {
    method,
    headers: { ...onHost(`${slug}.localhost`).headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(data === undefined ? {} : { data }),
  });
  expect(res.status(), `${method} ${p}: ${await res.text()}`).toBeLessThan(300);
  return res.json() as Promise<Record<string, unknown>>;
}

async function makeTenant(request: APIRequestContext, prefix: string): Promise<TenantFixture> {
  const slug = await freshTenant(prefix);
  // The fuzzer sends hundreds of requests a minute from one address: lift the limits
  // so it reaches validation instead of the 429 (which it would accept anyway).
  await updateTenantSettings(
    slug,
    { rateLimits: { apiPerMinute: 1_000_000, principalPerMinute: 1_000_000, signInPerIpPer15Minutes: 10_000, signInPerEmailPer15Minutes: 10_000 } },
    systemContext("fuzz setup"),
  );
  const pair = await call(request, slug, "POST", "/api/v1/auth/token", undefined, { email: `owner@${slug}.test`, password: apiPassword });
  const token = pair.access_token as string;
  const me = await call(request, slug, "GET", "/api/v1/me", token);
  const member = await call(request, slug, "POST", "/api/v1/users", token, { email: `member@${slug}.test`, role: "member", password: apiPassword });
  await call(request, slug, "POST", "/api/v1/users", token, { email: `keeper@${slug}.test`, role: "owner", password: apiPassword });
  const keeperToken = (await call(request, slug, "POST", "/api/v1/auth/token", undefined, { email: `keeper@${slug}.test`, password: apiPassword }))
    .access_token as string;
  const key = await call(request, slug, "POST", "/api/v1/api-keys", token, { name: "fuzz", scopes: ["members:read", "integrations:read"] });
  const integrationIds: string[] = [];
  const secrets = new Map<string, { scheme: WebhookScheme; secret: string }>();
  for (const scheme of webhookSchemes) {
    const created = await call(request, slug, "POST", "/api/v1/integrations", token, { name: `hook ${scheme}`, kind: "webhook", scheme });
    integrationIds.push(created.id as string);
    secrets.set(created.id as string, { scheme, secret: created.secret as string });
  }
  return {
    slug,
    token,
    ownerId: (me.principal as { id: string }).id,
    keeperToken,
    memberId: member.id as string,
    apiKeyId: key.id as string,
    apiKey: key.key as string,
    integrationIds,
    secrets,
  };
}

async function topUp(request: APIRequestContext, t: TenantFixture): Promise<void> {
  // The fuzzing owner may have been deleted, demoted or signed out by a fuzzed request.
  const me = await request.fetch(url("127.0.0.1", "/api/v1/me"), {
    headers: { ...onHost(`${t.slug}.localhost`).headers, authorization: `Bearer ${t.token}` },
  });
  if (me.status() !== 200 || ((await me.json()) as { role?: string }).role !== "owner") {
    const email = `owner-${Date.now()}@${t.slug}.test`;
    t.ownerId = (await call(request, t.slug, "POST", "/api/v1/users", t.keeperToken, { email, role: "owner", password: apiPassword })).id as string;
    t.token = (await call(request, t.slug, "POST", "/api/v1/auth/token", undefined, { email, password: apiPassword })).access_token as string;
  }
  const live = (await call(request, t.slug, "GET", "/api/v1/integrations", t.token)).data as { id: string }[];
  const liveIds = new Set(live.map((i) => i.id));
  if (t.integrationIds.some((id) => !liveIds.has(id))) {
    t.integrationIds = [];
    t.secrets.clear();
    for (const scheme of webhookSchemes) {
      const created = await call(request, t.slug, "POST", "/api/v1/integrations", t.token, { name: `hook ${scheme} again`, kind: "webhook", scheme });
      t.integrationIds.push(created.id as string);
      t.secrets.set(created.id as string, { scheme, secret: created.secret as string });
    }
  }
  const members = (await call(request, t.slug, "GET", "/api/v1/users?limit=200", t.token)).data as { id: string }[];
  if (!members.some((m) => m.id === t.memberId)) {
    const email = `member-${Date.now()}@${t.slug}.test`;
    t.memberId = (await call(request, t.slug, "POST", "/api/v1/users", t.token, { email, role: "member", password: apiPassword })).id as string;
  }
  const keys = (await call(request, t.slug, "GET", "/api/v1/api-keys", t.token)).data as { id: string; revokedAt: string | null }[];
  if (keys.find((k) => k.id === t.apiKeyId)?.revokedAt !== null) {
    const key = await call(request, t.slug, "POST", "/api/v1/api-keys", t.token, { name: "fuzz again", scopes: ["members:read", "integrations:read"] });
    t.apiKeyId = key.id as string;
    t.apiKey = key.key as string;
  }
}

/** One statement counting every table of the tenant's schema. */
async function countRows(slug: string): Promise<Record<string, number>> {
  const schema = schemaNameFor(slug);
  const { rows: tables } = await getPool().query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
    [schema],
  );
  const select = tables.map((t, i) => `(SELECT count(*)::int FROM "${schema}"."${t.table_name}") AS c${i}`).join(", ");
  const { rows } = await getPool().query<Record<string, number>>(`SELECT ${select}`);
  return Object.fromEntries(tables.map((t, i) => [t.table_name, rows[0]![`c${i}`]!]));
}

/** Audit rows by action. */
async function auditByAction(slug: string): Promise<Record<string, number>> {
  const { rows } = await getPool().query<{ action: string; n: number }>(
    `SELECT action, count(*)::int AS n FROM "${schemaNameFor(slug)}".audit_log GROUP BY action`,
  );
  return Object.fromEntries(rows.map((r) => [r.action, r.n]));
}

interface Snapshot {
  tables: Record<string, number>;
  audit: Record<string, number>;
}

async function snapshot(slug: string): Promise<Snapshot> {
  const [tables, audit] = await Promise.all([countRows(slug), auditByAction(slug)]);
  return { tables, audit };
}

/**
 * What a refusal may record: the attempt itself (a failed sign-in, a lockout, a denial,
 * a refused delivery, the daily "key used"), never the change it asked for.
 */
const attemptRecords = new Set([
  auditActions.signInFailed,
  auditActions.lockedOut,
  auditActions.permissionDenied,
  auditActions.webhookRejected,
  auditActions.apiKeyUsed,
  auditActions.tokenReuseDetected,
]);

function unexpectedWrites(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const [table, n] of Object.entries(after.tables)) {
    if (table !== "audit_log" && n !== before.tables[table]) out.push(`${table}: ${before.tables[table]} -> ${n}`);
  }
  for (const [action, n] of Object.entries(after.audit)) {
    if (n !== (before.audit[action] ?? 0) && !attemptRecords.has(action as never)) out.push(`audit ${action}: ${before.audit[action] ?? 0} -> ${n}`);
  }
  return out;
}

/**
 * Waits until work a 2xx started after answering is done: no inbox row still waiting
 * for the engine (processing writes synced records later), and counts that stop moving.
 */
async function settle(slug: string): Promise<void> {
  // A failed row is still being retried by the engine (it ends processed or dead), and
  // its retries write: wait for those too before the next before/after comparison.
  const pending = async () =>
    (
      await getPool().query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${schemaNameFor(slug)}".webhook_events WHERE status IN ('received', 'processing', 'failed')`,
      )
    ).rows[0]!.n;
  const deadline = Date.now() + 15_000;
  while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  let last = JSON.stringify(await snapshot(slug));
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    const now = JSON.stringify(await snapshot(slug));
    if (now === last) return;
    last = now;
  }
}

// ---------------------------------------------------------------------------------
// Generators.

const controlChars = fc.constantFrom("\u0000", "\u0001", "\b", "\t", "\n", "\r", "\u001b", "\u007f", "\u0085", "\u009f");
const oddChars = fc.constantFrom(
  "\u202e",
  "\u200b",
  "\ufeff",
  "\ud800",
  "\udfff",
  "🙂",
  "日本",
  "é",
  "'",
  '"',
  "\\",
  "%",
  "<script>",
  "../",
  "%00",
  "{{",
  "${x}",
);
const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
  fc.string({ unit: fc.oneof(controlChars, oddChars, fc.constantFrom("a", "1", " ", "-", "@", ".")), maxLength: 30 }),
  fc.constantFrom("", " ", "owner\u0000@acme.test", "null", "undefined", "NaN", "-1", "0", "1e999", "x".repeat(5000), "a".repeat(101)),
);
const hostileDate = fc.constantFrom(
  "99999-01-01",
  "+099999-01-01",
  "+275760-09-13T00:00:00.000Z",
  "+275760-09-14",
  "-271821-04-20",
  "0000-01-01",
  "1969-12-31",
  "2030-02-30",
  "2030-01-01",
  "2099-01-01",
  "2026-13-01",
  "9999-12-31T23:59:59.999Z",
  "10000-01-01",
  "1e20",
  "",
);
const hugeNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -(2 ** 63), 2 ** 64, 1e21, -0, 0.5, 0, -1, 1_000_000_000_000),
);

/** Another tenant's ids, this tenant's ids and fresh uuids: filled in once the fixtures exist. */
const ids: { own: string[]; other: string[] } = { own: [], other: [] };
const someId = fc.oneof(
  fc.uuid(),
  fc.constantFrom("").chain(() => fc.constantFrom(...ids.own, ...ids.other)),
  hostileString,
);

const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileString,
    hugeNumber,
    hostileDate,
    fc.boolean(),
    fc.constant(null),
    someId,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom("__proto__", "constructor", "name")), tie("value"), { maxKeys: 3 }),
  ),
})).value;

const plausible = {
  name: fc.oneof(hostileString, fc.constant("A name")),
  // Weighted towards valid shapes so the sign-in path itself is reached, not just the schema.
  email: fc.oneof(
    hostileString,
    { weight: 3, arbitrary: fc.constant("someone@example.test") },
    hostileString.map((s) => `${s}@example.test`),
  ),
  password: fc.oneof(hostileString, { weight: 3, arbitrary: fc.constant(apiPassword) }),
  role: fc.oneof(fc.constantFrom(...roles), hostileString),
  scopes: fc.oneof(fc.array(fc.constantFrom(...permissions), { maxLength: 4 }), fc.array(hostileString, { maxLength: 3 })),
  expiresAt: fc.oneof(hostileDate, hugeNumber, fc.constant(null)),
  kind: fc.oneof(fc.constantFrom("webhook", "rest"), hostileString),
  scheme: fc.oneof(fc.constantFrom(...webhookSchemes), hostileString),
  settings: fc.oneof(
    anyValue,
    fc.record(
      {
        signatureHeader: hostileString,
        eventIdHeader: hostileString,
        rateLimitPerMinute: hugeNumber,
        baseUrl: fc.oneof(hostileString, fc.constantFrom("http://127.0.0.1:9", "https://api.example.test", "http://[::1]/", "file:///etc/passwd")),
        timeoutMs: hugeNumber,
        forwardTo: fc.record({ integrationId: someId, path: hostileString }, { requiredKeys: [] }),
        sync: fc.record({ path: hostileString, itemsField: hostileString, pageSize: hugeNumber, intervalMinutes: hugeNumber }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
  ),
  token: fc.oneof(hostileString, fc.constant(null)),
  status: fc.oneof(fc.constantFrom("active", "paused", "dead", "failed", "received"), hostileString),
  ids: fc.oneof(fc.array(someId, { maxLength: 3 }), anyValue),
  statuses: fc.oneof(fc.array(fc.constantFrom("dead", "failed", "received"), { maxLength: 3 }), anyValue),
  graceSeconds: hugeNumber,
  refresh_token: hostileString,
  otp: hostileString,
  currentPassword: hostileString,
};

type Field = keyof typeof plausible;
const allFields = Object.keys(plausible) as Field[];

/** An object with some of `fields` (from the generators above), so strict schemas are reached, not just refused for extra keys. */
function bodyOf(fields: readonly Field[]): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .subarray([...fields], { minLength: 1 })
    .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, plausible[k] as fc.Arbitrary<unknown>]))))
    .map((v) => v as Record<string, unknown>);
}

/** The fields each route reads, by "<METHOD> <template>"; routes not listed get any subset. */
const bodyHints: Record<string, readonly Field[]> = {
  "POST /api/v1/auth/token": ["email", "password", "otp"],
  "POST /api/v1/auth/refresh": ["refresh_token"],
  "POST /api/v1/auth/revoke": ["refresh_token"],
  "POST /api/v1/users": ["email", "name", "role", "password"],
  "PATCH /api/v1/users/[id]": ["name", "role"],
  "POST /api/v1/api-keys": ["name", "scopes", "expiresAt"],
  "POST /api/v1/integrations": ["name", "kind", "scheme", "settings", "token"],
  "PATCH /api/v1/integrations/[id]": ["name", "status", "settings", "token"],
  "POST /api/v1/integrations/[id]/events/replay": ["ids", "statuses"],
  "POST /api/v1/integrations/[id]/rotate-secret": ["graceSeconds"],
};
const deepNesting = fc.integer({ min: 50, max: 20_000 }).map((d) => `{"name":${"[".repeat(d)}${"]".repeat(d)}}`);
const rawJsonText = fc.oneof(
  deepNesting,
  fc.constantFrom(
    "",
    "null",
    "[]",
    '"a string"',
    "12",
    "not json",
    '{"name":"a"',
    '{"limit":1e999,"graceSeconds":-1e999}',
    '{"name":"\\u0000"}',
    '{"__proto__":{"admin":true},"name":"p"}',
    `{"name":"${"x".repeat(70_000)}"}`,
  ),
);

type Body = { kind: "none" } | { kind: "json"; value: unknown } | { kind: "raw"; text: string; contentType: string } | { kind: "bytes"; bytes: Uint8Array };
function bodyArbitrary(route: RouteMethod): fc.Arbitrary<Body> {
  const hinted = bodyHints[`${route.method} ${route.template}`];
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
    { weight: hinted ? 6 : 0, arbitrary: bodyOf(hinted ?? allFields).map((value) => ({ kind: "json" as const, value })) },
    { weight: 2, arbitrary: bodyOf(allFields).map((value) => ({ kind: "json" as const, value })) },
    { weight: 2, arbitrary: anyValue.map((value) => ({ kind: "json" as const, value })) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("raw" as const),
        text: fc.oneof(rawJsonText, hostileString),
        contentType: fc.constantFrom(
          "application/json",
          "text/plain",
          "application/x-www-form-urlencoded",
          "application/merge-patch+json",
          "multipart/form-data",
        ),
      }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: "bytes" as const, bytes })) },
  );
}

const queryNames = ["actor", "actor_type", "action", "target_type", "target_id", "from", "to", "q", "cursor", "limit", "format", "status", "unread"];
const query = fc.oneof(
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...queryNames), hostileString), fc.oneof(hostileString, hostileDate, hugeNumber.map(String), someId)), {
      maxLength: 4,
    })
    .map((pairs) => new URLSearchParams(pairs).toString()),
  // Raw, possibly broken, percent-encoding.
  fc.constantFrom(
    "actor=%00",
    "q=%",
    "q=%zz",
    "target_id=%E0%A4%A",
    "limit=99999999999999999999",
    "from=%2B275760-09-14",
    "cursor=-1",
    "status=received&status=dead",
  ),
);

const auth = fc.constantFrom("owner", "owner", "owner", "owner", "owner", "owner", "apiKey", "otherTenant", "none", "garbage");
/** Whether a webhook is signed with the integration's real secret, and the delivery id to sign with. */
const signing = fc.record({ sign: fc.boolean(), id: fc.option(fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.uuid()), { nil: undefined }) });
const webhookHeaders = fc.dictionary(
  fc.constantFrom(
    "x-hub-signature-256",
    "x-github-delivery",
    "stripe-signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "x-signature",
    "x-event-id",
  ),
  fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom("sha256=00", "t=1,v1=00", "v1,AAAA", "9999999999999", "-1")),
  { maxKeys: 4 },
);

// ---------------------------------------------------------------------------------

let own: TenantFixture;
let other: TenantFixture;

/** The values a dynamic segment takes, by "<parent>/[segment]"; unknown segments get the generic mix. */
function segmentValues(): Record<string, string[]> {
  return {
    "users/[id]": [own.memberId, own.ownerId, other.ownerId, other.memberId],
    "api-keys/[id]": [own.apiKeyId, other.apiKeyId],
    "integrations/[id]": [...own.integrationIds, ...other.integrationIds],
    "webhooks/[integrationId]": [...own.integrationIds, ...other.integrationIds],
  };
}

/** encodeURIComponent, with lone surrogates (which it refuses) as U+FFFD, as a browser would send them. */
function encodeSegment(value: string): string {
  return encodeURIComponent(value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));
}

function segmentArbitrary(template: string): fc.Arbitrary<string> {
  const parts = template.split("/");
  const table = segmentValues();
  const segs = parts.map((part, i) => {
    if (!/^\[.+\]$/.test(part)) return fc.constant(part);
    const known = table[`${parts[i - 1]}/${part}`] ?? [];
    return fc
      .oneof(
        { weight: known.length ? 6 : 0, arbitrary: known.length ? fc.constantFrom(...known) : fc.constant("x") },
        { weight: 2, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.constantFrom(...ids.other) },
        { weight: 1, arbitrary: hostileString.filter((s) => s.length > 0) },
      )
      .map(encodeSegment);
  });
  return fc.tuple(...segs).map((values) => values.join("/"));
}

const noWriteStatuses = new Set([400, 404, 409, 413, 415, 422]);

// Not serial: one failing route must not hide the others (a new worker sets up anew).
test.setTimeout(120_000);

test.beforeAll(async ({ request }) => {
  console.log(`[fuzz] seed ${seed} (replay with FUZZ_SEED=${seed}), ${runsPerRoute} runs per route`);
  own = await makeTenant(request, "fz");
  other = await makeTenant(request, "fzo");
  ids.own = [own.ownerId, own.memberId, own.apiKeyId, ...own.integrationIds];
  ids.other = [other.ownerId, other.memberId, other.apiKeyId, ...other.integrationIds];
});

// A fuzzed DELETE may remove the fixtures (that is a valid request): put them back so
// the next route meets live ids again.
test.beforeEach(async ({ request }) => {
  for (const t of [own, other]) await topUp(request, t);
  ids.own = [own.ownerId, own.memberId, own.apiKeyId, ...own.integrationIds];
  ids.other = [other.ownerId, other.memberId, other.apiKeyId, ...other.integrationIds];
});

test.afterAll(async () => {
  await closePool();
});

test("every /api/v1 route and the webhook route are found on disk", () => {
  const routes = discoverRoutes();
  const templates = new Set(routes.map((r) => r.template));
  expect(templates).toContain("/api/v1/auth/token");
  expect(templates).toContain("/api/v1/integrations/[id]/events/[eventId]");
  expect(templates).toContain("/api/webhooks/[integrationId]");
  expect(routes.find((r) => r.template === "/api/v1/users/[id]" && r.method === "PATCH")).toBeTruthy();
});

const routes = discoverRoutes();
routes.forEach((route, index) => {
  test(`fuzz ${route.method} ${route.template}`, async ({ request }) => {
    const isWebhook = route.template.startsWith("/api/webhooks/");
    const routeSeed = (seed + index * 7919) % 2 ** 31;
    const tally = new Map<number, number>();
    const property = fc.asyncProperty(
      segmentArbitrary(route.template),
      query,
      bodyArbitrary(route),
      auth,
      webhookHeaders,
      signing,
      async (p, q, b, who, hookHeaders, sig) => {
        const address = `${p}${q ? `?${q}` : ""}`;
        const headers: Record<string, string> = { ...onHost(`${own.slug}.localhost`).headers };
        const bearer = { owner: own.token, apiKey: own.apiKey, otherTenant: other.token, garbage: "x.y.z", none: undefined }[who];
        if (bearer && !isWebhook) headers.authorization = `Bearer ${bearer}`;
        if (isWebhook) Object.assign(headers, hookHeaders);
        let data: Buffer | undefined;
        if (b.kind === "json" && route.method !== "GET" && route.method !== "OPTIONS") {
          headers["content-type"] = "application/json";
          data = Buffer.from(JSON.stringify(b.value) ?? "null");
        } else if (b.kind === "raw" && route.method !== "GET" && route.method !== "OPTIONS") {
          headers["content-type"] = b.contentType;
          data = Buffer.from(b.text);
        } else if (b.kind === "bytes" && route.method !== "GET" && route.method !== "OPTIONS") {
          headers["content-type"] = "application/octet-stream";
          data = Buffer.from(b.bytes);
        }
        const target = own.secrets.get(decodeURIComponent(p.split("/").at(-1) ?? ""));
        if (isWebhook && sig.sign && target) {
          Object.assign(headers, signWebhook(target.scheme, target.secret, data ?? Buffer.alloc(0), { id: sig.id }));
        }
        const [ownBefore, otherBefore] = await Promise.all([snapshot(own.slug), snapshot(other.slug)]);
        const res = await request.fetch(url("127.0.0.1", address), { method: route.method, headers, ...(data ? { data } : {}), maxRedirects: 0 });
        const status = res.status();
        tally.set(status, (tally.get(status) ?? 0) + 1);
        const text = await res.text();
        const what = `${route.method} ${address}\nauth: ${who}${isWebhook ? ` signed: ${Boolean(sig.sign && target)}` : ""}\nbody: ${data ? data.toString("utf8").slice(0, 300) : "(none)"}\n-> ${status} ${text.slice(0, 500)}`;
        expect(status, what).toBeLessThan(500);
        if (status >= 400) {
          expect(res.headers()["content-type"] ?? "", what).toMatch(/^application\/problem\+json\b/);
          const problem = JSON.parse(text) as { status?: number; title?: string; detail?: string };
          expect(problem.status, what).toBe(status);
          expect(typeof problem.title, what).toBe("string");
        }
        const [ownAfter, otherAfter] = await Promise.all([snapshot(own.slug), snapshot(other.slug)]);
        expect(otherAfter, `the other tenant's rows changed: ${what}`).toEqual(otherBefore);
        if (noWriteStatuses.has(status)) expect(unexpectedWrites(ownBefore, ownAfter), `a refusal wrote rows: ${what}`).toEqual([]);
        else if (status < 300 && route.method !== "GET" && route.method !== "OPTIONS") await settle(own.slug);
      },
    );
    try {
      await fc.assert(property, { seed: routeSeed, numRuns: runsPerRoute, endOnFailure: true });
    } finally {
      const statuses = [...tally]
        .sort(([a], [b]) => a - b)
        .map(([code, n]) => `${code}x${n}`)
        .join(" ");
      console.log(`[fuzz] ${route.method} ${route.template} (seed ${routeSeed}): ${statuses}`);
    }
  });
});
