// Integrations of a tenant: create (secret shown once, stored sealed, never in views or
// the audit trail), validation, edits, forwardTo, delete, and their audit rows.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { closePool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import {
  createIntegration,
  deleteIntegration,
  getIntegration,
  listIntegrations,
  rotateWebhookSecret,
  updateIntegration,
} from "@/lib/integrations/integrations";
import type { WebhookScheme } from "@/lib/integrations/settings";
import { webhookSchemes } from "@/lib/integrations/signatures";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { adminActor, auditRows, countRows, rejectionOf } from "./support/integrations";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("intc");
const otherSlug = uniqueSlug("intc");
const ctx = systemContext("test");
let raw: pg.Client;

beforeAll(async () => {
  raw = await rawClient();
  await Promise.all([createTenant({ slug, name: "Integrations Co" }), createTenant({ slug: otherSlug, name: "Other Co" })]);
});

afterAll(async () => {
  await dropTenantsQuietly([slug, otherSlug]);
  await raw.end();
  await closePool();
});

async function sealedColumns(id: string): Promise<{ secret_sealed: string | null; previous_secret_sealed: string | null }> {
  const { rows } = await raw.query(`SELECT secret_sealed, previous_secret_sealed FROM "${schemaNameFor(slug)}".integrations WHERE id = $1`, [id]);
  return rows[0] as { secret_sealed: string | null; previous_secret_sealed: string | null };
}

async function badRequest(promise: Promise<unknown>): Promise<AppError> {
  const err = await rejectionOf(promise);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe("bad_request");
  return err as AppError;
}

const secretShapes: Record<WebhookScheme, RegExp> = {
  "standard-webhooks": /^whsec_[A-Za-z0-9+/]{32}$/,
  stripe: /^whsec_[A-Za-z0-9]{32}$/,
  github: /^[0-9a-f]{64}$/,
  "hmac-sha256": /^[0-9a-f]{64}$/,
};

describe("creating webhook integrations", () => {
  it.each(webhookSchemes)("%s: returns the secret once, stores it sealed, never shows it", async (scheme) => {
    const { integration, secret } = await createIntegration(slug, { name: `Hooks ${scheme}`, kind: "webhook", scheme }, adminActor);
    expect(secret).toMatch(secretShapes[scheme]);
    expect(integration).toMatchObject({ kind: "webhook", scheme, status: "active", hasSecret: true, webhookPath: `/api/webhooks/${integration.id}` });
    expect(integration.settings).toEqual({ rateLimitPerMinute: 600 });

    const stored = await sealedColumns(integration.id);
    expect(stored.secret_sealed).toMatch(/^v1\./);
    expect(stored.secret_sealed).not.toContain(secret!);
    expect(stored.previous_secret_sealed).toBeNull();

    const views = JSON.stringify([integration, await getIntegration(slug, integration.id), await listIntegrations(slug)]);
    expect(views).not.toContain(secret!);
    expect(views).not.toContain(stored.secret_sealed!);
    expect(views).not.toMatch(/secretSealed|secret_sealed/);
  });

  it("makes a fresh secret for each integration", async () => {
    const a = await createIntegration(slug, { name: "Twin A", kind: "webhook", scheme: "github" }, ctx);
    const b = await createIntegration(slug, { name: "Twin B", kind: "webhook", scheme: "github" }, ctx);
    expect(a.secret).not.toBe(b.secret);
  });

  it("audits the creation with the actor, the secret redacted", async () => {
    const { integration, secret } = await createIntegration(slug, { name: "Audited", kind: "webhook", scheme: "stripe" }, adminActor);
    const rows = await auditRows(raw, slug, "target_id = $1", [integration.id]);
    expect(rows.map((r) => r.action)).toEqual(["integration.created"]);
    expect(rows[0]).toMatchObject({ actor_type: "user", actor_id: adminActor.actorId, actor_label: adminActor.actorLabel, target_type: "integration" });
    expect(rows[0]!.changes).toMatchObject({ name: "Audited", kind: "webhook", scheme: "stripe", secret_sealed: "[redacted]", previous_secret_sealed: null });
    const stored = await sealedColumns(integration.id);
    const everything = JSON.stringify(await auditRows(raw, slug));
    expect(everything).not.toContain(secret!);
    expect(everything).not.toContain(stored.secret_sealed!);
  });

  it("keeps webhook settings (header names, rate limit)", async () => {
    const { integration } = await createIntegration(
      slug,
      {
        name: "Generic",
        kind: "webhook",
        scheme: "hmac-sha256",
        settings: { signatureHeader: "X-Acme-Sig", eventIdHeader: "X-Acme-Id", rateLimitPerMinute: 30 },
      },
      ctx,
    );
    expect((await getIntegration(slug, integration.id)).settings).toEqual({
      signatureHeader: "X-Acme-Sig",
      eventIdHeader: "X-Acme-Id",
      rateLimitPerMinute: 30,
    });
  });
});

describe("creating rest integrations", () => {
  it("stores the token sealed and does not echo it", async () => {
    const token = `tok-${randomUUID()}`;
    const { integration, secret } = await createIntegration(
      slug,
      { name: "CRM", kind: "rest", settings: { baseUrl: "https://api.example.com/v1" }, token },
      adminActor,
    );
    expect(secret).toBeNull();
    expect(integration).toMatchObject({ kind: "rest", scheme: null, hasSecret: true, webhookPath: null });
    expect(integration.settings).toMatchObject({ baseUrl: "https://api.example.com/v1", timeoutMs: 10_000, maxAttempts: 3 });
    const stored = await sealedColumns(integration.id);
    expect(stored.secret_sealed).toMatch(/^v1\./);
    expect(stored.secret_sealed).not.toContain(token);
    expect(JSON.stringify([await getIntegration(slug, integration.id), await listIntegrations(slug)])).not.toContain(token);
    expect(JSON.stringify(await auditRows(raw, slug))).not.toContain(token);
  });

  it("may have no token", async () => {
    const { integration } = await createIntegration(slug, { name: "Open API", kind: "rest", settings: { baseUrl: "https://open.example.com" } }, ctx);
    expect(integration.hasSecret).toBe(false);
    expect((await sealedColumns(integration.id)).secret_sealed).toBeNull();
  });
});

describe("validation", () => {
  it("refuses bad input with field paths, and stores nothing", async () => {
    const before = await countRows(raw, slug, "integrations");
    const auditBefore = await countRows(raw, slug, "audit_log");

    const kind = await badRequest(createIntegration(slug, { name: "X", kind: "ftp" }, ctx));
    expect(kind.fieldErrors.map((f) => f.path)).toEqual(["kind"]);

    const scheme = await badRequest(createIntegration(slug, { name: "X", kind: "webhook", scheme: "md5" }, ctx));
    expect(scheme.fieldErrors.map((f) => f.path)).toEqual(["scheme"]);

    const noName = await badRequest(createIntegration(slug, { name: "  ", kind: "webhook", scheme: "github" }, ctx));
    expect(noName.fieldErrors.map((f) => f.path)).toEqual(["name"]);

    const creds = await badRequest(createIntegration(slug, { name: "X", kind: "rest", settings: { baseUrl: "https://user:pw@api.example.com" } }, ctx));
    expect(creds.fieldErrors).toEqual([expect.objectContaining({ path: "settings.baseUrl", message: expect.stringMatching(/credentials/) })]);

    // Not a URL at all: a field error, not a crash in the later checks.
    const notUrl = await badRequest(createIntegration(slug, { name: "X", kind: "rest", settings: { baseUrl: "not a url" } }, ctx));
    expect(notUrl.fieldErrors).toEqual([expect.objectContaining({ path: "settings.baseUrl", message: "must be an http(s) URL" })]);

    const query = await badRequest(createIntegration(slug, { name: "X", kind: "rest", settings: { baseUrl: "https://api.example.com/?key=abc" } }, ctx));
    expect(query.fieldErrors).toEqual([expect.objectContaining({ path: "settings.baseUrl", message: expect.stringMatching(/query/) })]);

    const ftp = await badRequest(createIntegration(slug, { name: "X", kind: "rest", settings: { baseUrl: "ftp://api.example.com" } }, ctx));
    expect(ftp.fieldErrors.map((f) => f.path)).toEqual(["settings.baseUrl"]);

    // An unknown top-level key is reported on the object itself (path ""), naming the key.
    const unknownTop = await badRequest(createIntegration(slug, { name: "X", kind: "webhook", scheme: "github", secret: "mine" }, ctx));
    expect(unknownTop.fieldErrors).toEqual([{ path: "", message: expect.stringContaining('"secret"') }]);

    const unknownNested = await badRequest(createIntegration(slug, { name: "X", kind: "webhook", scheme: "github", settings: { retries: 3 } }, ctx));
    expect(unknownNested.fieldErrors.map((f) => f.path)).toEqual(["settings"]);
    expect(unknownNested.message).toContain("retries");

    const syncPath = await badRequest(
      createIntegration(slug, { name: "X", kind: "rest", settings: { baseUrl: "https://api.example.com", sync: { path: "//evil.example/x" } } }, ctx),
    );
    expect(syncPath.fieldErrors.map((f) => f.path)).toEqual(["settings.sync.path"]);

    // A webhook integration does not take a token, a rest one no scheme.
    await badRequest(createIntegration(slug, { name: "X", kind: "webhook", scheme: "github", token: "t" }, ctx));
    await badRequest(createIntegration(slug, { name: "X", kind: "rest", scheme: "github", settings: { baseUrl: "https://api.example.com" } }, ctx));

    expect(await countRows(raw, slug, "integrations")).toBe(before);
    expect(await countRows(raw, slug, "audit_log")).toBe(auditBefore);
  });
});

describe("editing", () => {
  it("updates name, status and settings, audited as before/after", async () => {
    const { integration } = await createIntegration(slug, { name: "Editable", kind: "webhook", scheme: "github" }, ctx);
    const renamed = await updateIntegration(slug, integration.id, { name: "Edited", status: "paused", settings: { rateLimitPerMinute: 5 } }, adminActor);
    expect(renamed).toMatchObject({ name: "Edited", status: "paused", settings: { rateLimitPerMinute: 5 } });
    expect(await getIntegration(slug, integration.id)).toMatchObject({ name: "Edited", status: "paused" });
    const [updated] = await auditRows(raw, slug, "target_id = $1 AND action = 'integration.updated'", [integration.id]);
    expect(updated!.changes).toMatchObject({ name: { before: "Editable", after: "Edited" }, status: { before: "active", after: "paused" } });
    expect(updated!.actor_id).toBe(adminActor.actorId);
    expect(Object.keys(updated!.changes!)).not.toContain("secret_sealed");

    const resumed = await updateIntegration(slug, integration.id, { status: "active" }, ctx);
    expect(resumed.status).toBe("active");
    expect(resumed.name).toBe("Edited");
  });

  it("validates settings for the row's kind", async () => {
    const hook = await createIntegration(slug, { name: "Kind check", kind: "webhook", scheme: "github" }, ctx);
    const err = await badRequest(updateIntegration(slug, hook.integration.id, { settings: { baseUrl: "https://api.example.com" } }, ctx));
    expect(err.message).toContain("baseUrl");
    await badRequest(updateIntegration(slug, hook.integration.id, {}, ctx));
    await badRequest(updateIntegration(slug, hook.integration.id, { kind: "rest" }, ctx));
    // A webhook secret is rotated, never set.
    const token = await badRequest(updateIntegration(slug, hook.integration.id, { token: "abc" }, ctx));
    expect(token.fieldErrors.map((f) => f.path)).toEqual(["token"]);
    const rest = await createIntegration(slug, { name: "Kind check rest", kind: "rest", settings: { baseUrl: "https://api.example.com" } }, ctx);
    const bad = await badRequest(updateIntegration(slug, rest.integration.id, { settings: { baseUrl: "https://a:b@api.example.com" } }, ctx));
    expect(bad.fieldErrors.map((f) => f.path)).toEqual(["baseUrl"]);
  });

  it("sets and clears a rest integration's token, sealed", async () => {
    const { integration } = await createIntegration(slug, { name: "Token edits", kind: "rest", settings: { baseUrl: "https://api.example.com" } }, ctx);
    const set = await updateIntegration(slug, integration.id, { token: "new-token-123" }, ctx);
    expect(set.hasSecret).toBe(true);
    const sealed = (await sealedColumns(integration.id)).secret_sealed!;
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain("new-token-123");
    const [audit] = await auditRows(raw, slug, "target_id = $1 AND action = 'integration.updated'", [integration.id]);
    expect(audit!.changes).toEqual({ secret_sealed: { before: null, after: "[redacted]" } });
    expect((await updateIntegration(slug, integration.id, { token: null }, ctx)).hasSecret).toBe(false);
  });

  it("forwardTo must name a rest integration of the same tenant", async () => {
    const hook = await createIntegration(slug, { name: "Forwarder", kind: "webhook", scheme: "stripe" }, ctx);
    const target = await createIntegration(slug, { name: "Forward target", kind: "rest", settings: { baseUrl: "https://api.example.com" } }, ctx);
    const elsewhere = await createIntegration(otherSlug, { name: "Other tenant's API", kind: "rest", settings: { baseUrl: "https://api.example.com" } }, ctx);

    for (const integrationId of [elsewhere.integration.id, hook.integration.id, randomUUID()]) {
      const err = await badRequest(updateIntegration(slug, hook.integration.id, { settings: { forwardTo: { integrationId } } }, ctx));
      expect(err.fieldErrors.map((f) => f.path)).toEqual(["settings.forwardTo.integrationId"]);
    }
    const crossCreate = await badRequest(
      createIntegration(slug, { name: "X", kind: "webhook", scheme: "github", settings: { forwardTo: { integrationId: elsewhere.integration.id } } }, ctx),
    );
    expect(crossCreate.fieldErrors.map((f) => f.path)).toEqual(["settings.forwardTo.integrationId"]);

    const ok = await updateIntegration(slug, hook.integration.id, { settings: { forwardTo: { integrationId: target.integration.id } } }, ctx);
    expect(ok.settings).toEqual({ rateLimitPerMinute: 600, forwardTo: { integrationId: target.integration.id, path: "/events" } });

    // The target cannot be deleted while something forwards to it.
    const err = await rejectionOf(deleteIntegration(slug, target.integration.id, ctx));
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("conflict");
    expect((await getIntegration(slug, target.integration.id)).id).toBe(target.integration.id);
  });
});

describe("rotating a webhook secret", () => {
  it("returns a new secret, keeps the previous one sealed for the grace period, audits without either", async () => {
    const { integration, secret } = await createIntegration(slug, { name: "Rotating", kind: "webhook", scheme: "standard-webhooks" }, ctx);
    const before = Date.now();
    const rotated = await rotateWebhookSecret(slug, integration.id, { graceSeconds: 3600 }, adminActor);
    expect(rotated.secret).toMatch(secretShapes["standard-webhooks"]);
    expect(rotated.secret).not.toBe(secret);
    const expires = Date.parse(rotated.integration.previousSecretExpiresAt!);
    expect(expires).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
    expect(rotated.integration.secretRotatedAt).not.toBeNull();

    const stored = await sealedColumns(integration.id);
    expect(stored.previous_secret_sealed).toMatch(/^v1\./);
    for (const s of [secret!, rotated.secret]) {
      expect(JSON.stringify(stored)).not.toContain(s);
      expect(JSON.stringify(await auditRows(raw, slug))).not.toContain(s);
    }
    const events = await auditRows(raw, slug, "target_id = $1 AND action = 'integration.secret_rotated'", [integration.id]);
    expect(events).toHaveLength(1);
    expect(events[0]!.metadata).toEqual({ graceSeconds: 3600 });

    const noGrace = await rotateWebhookSecret(slug, integration.id, { graceSeconds: 0 }, ctx);
    expect(noGrace.integration.previousSecretExpiresAt).toBeNull();
    expect((await sealedColumns(integration.id)).previous_secret_sealed).toBeNull();
  });

  it("refuses rest integrations and bad grace periods", async () => {
    const rest = await createIntegration(slug, { name: "No rotation", kind: "rest", settings: { baseUrl: "https://api.example.com" } }, ctx);
    await badRequest(rotateWebhookSecret(slug, rest.integration.id, {}, ctx));
    const hook = await createIntegration(slug, { name: "Grace check", kind: "webhook", scheme: "github" }, ctx);
    const err = await badRequest(rotateWebhookSecret(slug, hook.integration.id, { graceSeconds: -1 }, ctx));
    expect(err.fieldErrors.map((f) => f.path)).toEqual(["graceSeconds"]);
  });
});

describe("deleting and not finding", () => {
  it("deletes (audited) and then answers not_found", async () => {
    const { integration } = await createIntegration(slug, { name: "Doomed", kind: "webhook", scheme: "github" }, ctx);
    await deleteIntegration(slug, integration.id, adminActor);
    const err = await rejectionOf(getIntegration(slug, integration.id));
    expect((err as AppError).code).toBe("not_found");
    expect((await listIntegrations(slug)).map((i) => i.id)).not.toContain(integration.id);
    const [deleted] = await auditRows(raw, slug, "target_id = $1 AND action = 'integration.deleted'", [integration.id]);
    expect(deleted).toMatchObject({ actor_id: adminActor.actorId });
    expect(deleted!.changes).toMatchObject({ name: "Doomed", secret_sealed: "[redacted]" });
  });

  it("not_found for unknown, malformed and other tenants' ids", async () => {
    const mine = await createIntegration(slug, { name: "Mine", kind: "webhook", scheme: "github" }, ctx);
    for (const id of [randomUUID(), "not-a-uuid", "'; DROP TABLE integrations; --"]) {
      for (const op of [
        () => getIntegration(slug, id),
        () => updateIntegration(slug, id, { name: "x" }, ctx),
        () => deleteIntegration(slug, id, ctx),
        () => rotateWebhookSecret(slug, id, {}, ctx),
      ]) {
        const err = await rejectionOf(op());
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe("not_found");
      }
    }
    for (const op of [
      () => getIntegration(otherSlug, mine.integration.id),
      () => updateIntegration(otherSlug, mine.integration.id, { name: "hijacked" }, ctx),
      () => rotateWebhookSecret(otherSlug, mine.integration.id, {}, ctx),
      () => deleteIntegration(otherSlug, mine.integration.id, ctx),
    ]) {
      expect(((await rejectionOf(op())) as AppError).code).toBe("not_found");
    }
    expect((await listIntegrations(otherSlug)).map((i) => i.id)).not.toContain(mine.integration.id);
    expect(await getIntegration(slug, mine.integration.id)).toMatchObject({ name: "Mine", status: "active" });
  });
});
