// Issue 13, findings 3 and 4: control characters in text and unbounded dates.
// Control characters (NUL above all: PostgreSQL refuses it and the request died with a
// 500) are refused by one zod rule (lib/zod/text.ts) with a 400 naming the field, and
// nothing is written. Dates are bounded (lib/zod/dates.ts); a stored date JavaScript
// cannot read (written before the bound) no longer breaks reads, pages or key checks.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { parseExportParams, parseListParams, parseReportParams } from "@/lib/audit/query-params";
import { authenticateApiKey, createApiKey, isExpired, listApiKeys } from "@/lib/auth/api-keys";
import type { Principal } from "@/lib/auth/principal";
import { principalFromBearer } from "@/lib/auth/resolve-principal";
import { issueTokensForPassword, tokenRequestInput } from "@/lib/auth/sign-in-flow";
import { closePool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import { readJson } from "@/lib/http/read-json";
import { createIntegration, updateIntegration } from "@/lib/integrations/integrations";
import { listInboxEvents } from "@/lib/integrations/inbox/list-events";
import { receiveWebhook } from "@/lib/integrations/inbox/receive-webhook";
import { createMember, listMembers, updateMember } from "@/lib/members/members";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { hasNoControlCharacters, text } from "@/lib/zod/text";
import { formatUtc } from "@/components/format-time";
import { meta, tenantWithOwner, testPassword } from "./support/auth";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("inp");
const settings = defaultTenantSettings();
const ctx = systemContext("test");
let owner: Principal;
let raw: pg.Client;

beforeAll(async () => {
  raw = await rawClient();
  await tenantWithOwner(slug);
  const { pair } = await issueTokensForPassword(slug, settings, { email: `owner@${slug}.test`, password: testPassword }, meta());
  owner = (await principalFromBearer(slug, `Bearer ${pair.access_token}`, meta(), settings))!;
});

afterAll(async () => {
  await dropTenantsQuietly([slug]);
  await raw.end();
  await closePool();
});

/** Rows of the tenant's tables that a refused request must not touch. */
async function counts(): Promise<Record<string, number>> {
  const schema = schemaNameFor(slug);
  const out: Record<string, number> = {};
  for (const table of ["users", "api_keys", "integrations", "audit_log"]) {
    const { rows } = await raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".${table}`);
    out[table] = rows[0]!.n;
  }
  return out;
}

/** Awaits a refusal: an AppError bad_request whose field errors name `field`. */
async function badRequestNaming(promise: Promise<unknown> | (() => unknown), field: string): Promise<AppError> {
  let err: unknown;
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (e) {
    err = e;
  }
  expect(err, `expected a refusal naming ${field}`).toBeInstanceOf(AppError);
  const app = err as AppError;
  expect(app.code).toBe("bad_request");
  expect(app.fieldErrors.map((f) => f.path)).toContain(field);
  return app;
}

function jsonRequest(body: unknown): Request {
  return new Request("http://t.localhost/api/v1/auth/token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("the shared text rule", () => {
  it("refuses every C0 and C1 control character and DEL, and nothing printable", () => {
    for (let c = 0; c <= 0x9f; c++) {
      const control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
      expect(hasNoControlCharacters(`a${String.fromCharCode(c)}b`), `U+${c.toString(16)}`).toBe(!control);
    }
    for (const ok of ["Ünïcødé ☃ 日本語 🙂", "quote\"s and 'apostrophes' <b>", "\u00a0nbsp", "\u200b zero width"])
      expect(hasNoControlCharacters(ok)).toBe(true);
    expect(text().trim().max(5).safeParse(" a\tb ").success).toBe(false);
  });
});

describe("finding 3: control characters are a 400 naming the field, and nothing is written", () => {
  it("POST /api/v1/auth/token with a NUL in the email or the password", async () => {
    await badRequestNaming(readJson(jsonRequest({ email: "owner\u0000@acme.test", password: "x" }), tokenRequestInput), "email");
    await badRequestNaming(readJson(jsonRequest({ email: "owner@acme.test", password: "x\u0000" }), tokenRequestInput), "password");
    await badRequestNaming(readJson(jsonRequest({ email: "owner@acme.test", password: "x", otp: "12\u00003456" }), tokenRequestInput), "otp");
    // A password may hold any printable character.
    expect(tokenRequestInput.safeParse({ email: "a@b.test", password: "pä$$ wörd ☃ \"'<>" }).success).toBe(true);
  });

  it.each(["actor", "target_type", "target_id", "q"])("GET /api/v1/audit-logs?%s=%00", async (param) => {
    await badRequestNaming(() => parseListParams({ [param]: "\u0000" }), param);
  });

  it("other query parameters (members and inbox cursors)", async () => {
    await badRequestNaming(listMembers(slug, { cursor: "\u0000" }), "cursor");
    const { integration } = await createIntegration(slug, { name: "inbox", kind: "webhook", scheme: "github" }, ctx);
    await badRequestNaming(listInboxEvents(slug, integration.id, { cursor: "ab\u0000" }), "cursor");
  });

  it("a NUL in name on users, api keys and integrations", async () => {
    const before = await counts();
    await badRequestNaming(createMember(slug, owner, { email: `nul@${slug}.test`, role: "member", name: "a\u0000b" }, ctx), "name");
    await badRequestNaming(createMember(slug, owner, { email: `nul\u0000@${slug}.test`, role: "member" }, ctx), "email");
    await badRequestNaming(updateMember(slug, owner, owner.id, { name: "x\u0000" }, ctx), "name");
    await badRequestNaming(createApiKey(slug, owner, { name: "k\u0000", scopes: ["members:read"] }, ctx), "name");
    await badRequestNaming(createIntegration(slug, { name: "i\u0000", kind: "webhook", scheme: "github" }, ctx), "name");
    await badRequestNaming(
      createIntegration(slug, { name: "rest", kind: "rest", settings: { baseUrl: "https://api.example.com", sync: { itemsField: "da\u0000ta" } } }, ctx),
      "settings.sync.itemsField",
    );
    const { integration } = await createIntegration(slug, { name: "fine", kind: "webhook", scheme: "github" }, ctx);
    const afterCreate = await counts();
    await badRequestNaming(updateIntegration(slug, integration.id, { name: "i\u0000" }, ctx), "name");
    expect(await counts()).toEqual(afterCreate);
    expect(afterCreate.users).toBe(before.users);
    expect(afterCreate.api_keys).toBe(before.api_keys);
  });
});

describe("refusals with control characters are still recorded", () => {
  it("a webhook to an id with a NUL is refused (404) and the refusal is audited", async () => {
    const id = "ab\u0000cd";
    const err = await receiveWebhook({ slug, integrationId: id, headers: new Headers(), body: Buffer.from("{}"), meta: meta() }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("not_found");
    const { rows } = await raw.query(
      `SELECT target_id FROM "${schemaNameFor(slug)}".audit_log WHERE action = 'integration.webhook_rejected' AND target_id = $1`,
      ["ab\ufffdcd"],
    );
    expect(rows).toHaveLength(1);
  });
});

describe("finding 4: dates are bounded", () => {
  const inYears = (y: number) => new Date(Date.now() + y * 365.25 * 86_400_000);

  it("an API key expiry must be in the future and within five years", async () => {
    const before = await counts();
    for (const expiresAt of [
      "99999-01-01",
      "+099999-01-01",
      "+275760-09-13",
      inYears(6).toISOString(),
      "1969-12-31",
      "2000-01-01",
      "not a date",
      1e20,
      true,
      {},
    ]) {
      await badRequestNaming(createApiKey(slug, owner, { name: "k", scopes: ["members:read"], expiresAt }, ctx), "expiresAt");
    }
    expect(await counts()).toEqual(before);
    const ok = await createApiKey(slug, owner, { name: "k", scopes: ["members:read"], expiresAt: inYears(4).toISOString() }, ctx);
    expect(ok.apiKey.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    const never = await createApiKey(slug, owner, { name: "k2", scopes: ["members:read"], expiresAt: null }, ctx);
    expect(never.apiKey.expiresAt).toBeNull();
  });

  it("audit from/to lie within years 1970..9999 (list, export, report)", async () => {
    await badRequestNaming(() => parseListParams({ from: "99999-01-01" }), "from");
    await badRequestNaming(() => parseListParams({ to: "+275760-01-01T00:00:00Z" }), "to");
    await badRequestNaming(() => parseListParams({ from: "1969-01-01" }), "from");
    await badRequestNaming(() => parseExportParams({ to: "99999-01-01" }), "to");
    await badRequestNaming(() => parseReportParams({ from: "2026-01-01", to: "99999-01-01" }), "to");
    expect(parseListParams({ from: "1970-01-01", to: "9999-12-31T23:59:59Z" }).to!.getUTCFullYear()).toBe(9999);
  });

  it("a stored expiry out of JavaScript's range reads back, shows, and fails closed", async () => {
    const good = await createApiKey(slug, owner, { name: "stored", scopes: ["members:read"] }, ctx);
    const far = await createApiKey(slug, owner, { name: "stored-inf", scopes: ["members:read"] }, ctx);
    const schema = schemaNameFor(slug);
    // Written in SQL, the way rows from before the bound look (Prisma cannot write them).
    await withAudit(slug, ctx, async (tx) => {
      await tx.$executeRawUnsafe(`UPDATE "${schema}".api_keys SET expires_at = '99999-01-01' WHERE id = $1::uuid`, good.apiKey.id);
      await tx.$executeRawUnsafe(`UPDATE "${schema}".api_keys SET expires_at = 'infinity' WHERE id = $1::uuid`, far.apiKey.id);
    });
    const keys = await listApiKeys(slug);
    for (const created of [good, far]) {
      const k = keys.find((x) => x.id === created.apiKey.id)!;
      // Prisma reads a five-digit year (and infinity) back as Invalid Date.
      expect(Number.isNaN(k.expiresAt!.getTime())).toBe(true);
      expect(formatUtc(k.expiresAt, "Never")).toBe("invalid date");
      expect(isExpired(k.expiresAt)).toBe(true);
      // A key whose expiry cannot be read is not honoured as "never expires".
      expect(await authenticateApiKey(slug, created.key, ctx)).toBeNull();
    }
  });

  it("formatUtc survives any value", () => {
    expect(formatUtc(new Date("2026-11-27T20:14:05.123Z"))).toBe("2026-11-27 20:14:05 UTC");
    expect(formatUtc(new Date(Number.NaN))).toBe("invalid date");
    expect(formatUtc("garbage")).toBe("invalid date");
    expect(formatUtc(new Date("+099999-01-01T00:00:00Z"))).toBe("+099999-01-01 00:00:00 UTC");
    expect(formatUtc(null, "Never")).toBe("Never");
  });
});
