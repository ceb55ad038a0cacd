// Access tokens, rotating refresh tokens and API keys, and the principals they give,
// against real PostgreSQL. Cross-tenant use is refused everywhere.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signAccessToken, verifyAccessToken } from "@/lib/auth/access-tokens";
import { createApiKey } from "@/lib/auth/api-keys";
import { refreshGraceMs, revokeRefreshToken, rotateRefreshToken } from "@/lib/auth/refresh-tokens";
import { principalFromBearer } from "@/lib/auth/resolve-principal";
import { issueTokensForPassword } from "@/lib/auth/sign-in-flow";
import { revokeSession } from "@/lib/auth/sessions";
import type { Principal } from "@/lib/auth/principal";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { resetEnvCache } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { addUser, meta, tenantWithOwner, testPassword } from "./support/auth";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const a = uniqueSlug("tok");
const b = uniqueSlug("tok2");
const settings = defaultTenantSettings();

async function login(slug: string, email = `owner@${slug}.test`) {
  return (await issueTokensForPassword(slug, settings, { email, password: testPassword }, meta())).pair;
}

async function expect401(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).status).toBe(401);
}

beforeAll(async () => {
  await tenantWithOwner(a);
  await tenantWithOwner(b);
});

afterAll(async () => {
  await dropTenantsQuietly([a, b]);
  await closePool();
});

describe("token issue", () => {
  it("returns a Bearer pair whose access token carries tenant, subject, role and session", async () => {
    const pair = await login(a);
    expect(pair).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    const claims = await verifyAccessToken(pair.access_token, a);
    expect(claims).toMatchObject({ tenant: a, role: "owner" });
    const [, payload] = pair.access_token.split(".");
    const decoded = JSON.parse(Buffer.from(payload!, "base64url").toString());
    expect(decoded.exp - decoded.iat).toBe(900);
    expect(JSON.parse(Buffer.from(pair.access_token.split(".")[0]!, "base64url").toString()).kid).toBeTruthy();
  });

  it("refuses a wrong password with 401 and the neutral message", async () => {
    const err = await issueTokensForPassword(a, settings, { email: `owner@${a}.test`, password: "nope nope nope" }, meta()).catch((e) => e);
    expect(err).toMatchObject({ status: 401, reason: "invalid_credentials" });
  });

  it("refuses an admin without MFA when the tenant requires it", async () => {
    const err = await issueTokensForPassword(
      a,
      { ...settings, mfaRequiredForAdmins: true },
      { email: `owner@${a}.test`, password: testPassword },
      meta(),
    ).catch((e) => e);
    expect(err).toMatchObject({ status: 403, reason: "mfa_setup_required" });
  });
});

describe("access tokens", () => {
  it("are refused on another tenant", async () => {
    const pair = await login(a);
    expect(await verifyAccessToken(pair.access_token, b)).toBeNull();
    await expect401(principalFromBearer(b, `Bearer ${pair.access_token}`, meta(), settings));
  });

  it("stop verifying when they expire, even after a check was remembered", async () => {
    const token = await signAccessToken({ tenant: a, userId: "u", role: "owner", sessionId: "s" });
    expect(await verifyAccessToken(token, a)).not.toBeNull();
    expect(await verifyAccessToken(token, a)).not.toBeNull(); // the remembered check
    expect(await verifyAccessToken(token, uniqueSlug("other"))).toBeNull(); // never for another tenant
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 16 * 60_000);
      expect(await verifyAccessToken(token, a)).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("keep verifying after a new signing key is put in front (rotation), and old-only config refuses new-key tokens", async () => {
    const saved = process.env.AUTH_JWT_KEYS;
    try {
      process.env.AUTH_JWT_KEYS = "k1:" + "1".repeat(40);
      resetEnvCache();
      const old = await signAccessToken({ tenant: a, userId: "u", role: "owner", sessionId: "s" });
      process.env.AUTH_JWT_KEYS = `k2:${"2".repeat(40)},k1:${"1".repeat(40)}`;
      resetEnvCache();
      expect(await verifyAccessToken(old, a)).not.toBeNull();
      const fresh = await signAccessToken({ tenant: a, userId: "u", role: "owner", sessionId: "s" });
      expect(JSON.parse(Buffer.from(fresh.split(".")[0]!, "base64url").toString()).kid).toBe("k2");
      process.env.AUTH_JWT_KEYS = "k1:" + "1".repeat(40);
      resetEnvCache();
      expect(await verifyAccessToken(fresh, a)).toBeNull();
    } finally {
      if (saved === undefined) delete process.env.AUTH_JWT_KEYS;
      else process.env.AUTH_JWT_KEYS = saved;
      resetEnvCache();
    }
  });

  it("give a user principal whose role is read fresh, and stop working when the session is revoked", async () => {
    const email = `member@${a}.test`;
    const id = await addUser(a, email, "member");
    const pair = await login(a, email);
    const p = (await principalFromBearer(a, `Bearer ${pair.access_token}`, meta(), settings)) as Principal;
    expect(p).toMatchObject({ kind: "user", id, role: "member" });
    expect(p.permissions).toContain("members:read");
    expect(p.permissions).not.toContain("members:write");
    const claims = (await verifyAccessToken(pair.access_token, a))!;
    await revokeSession(a, id, claims.sessionId, { actorType: "user", actorId: id });
    await expect401(principalFromBearer(a, `Bearer ${pair.access_token}`, meta(), settings));
  });

  it("answer 401 for garbage and malformed headers", async () => {
    await expect401(principalFromBearer(a, "Bearer not-a-token", meta(), settings));
    await expect401(principalFromBearer(a, "Basic abc", meta(), settings));
    expect(await principalFromBearer(a, null, meta(), settings)).toBeNull();
  });
});

describe("refresh tokens", () => {
  it("rotate: the new pair works and the old token, reused after the grace window, revokes the whole family", async () => {
    const first = await login(a);
    const second = await rotateRefreshToken(a, first.refresh_token, meta());
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const later = new Date(Date.now() + refreshGraceMs + 1000);
    await expect401(rotateRefreshToken(a, first.refresh_token, meta(), later));
    // Theft detection: the family is gone, the legitimate newest token too.
    await expect401(rotateRefreshToken(a, second.refresh_token, meta()));
    await expect401(principalFromBearer(a, `Bearer ${second.access_token}`, meta(), settings));
    const rows = await tenantDb(a).auditLog.count({ where: { action: "auth.token_reuse_detected" } });
    expect(rows).toBeGreaterThanOrEqual(1);
  });

  it("two refreshes racing with the same token get the same new pair (grace window)", async () => {
    const first = await login(a);
    const [x, y, z] = await Promise.all([
      rotateRefreshToken(a, first.refresh_token, meta()),
      rotateRefreshToken(a, first.refresh_token, meta()),
      rotateRefreshToken(a, first.refresh_token, meta()),
    ]);
    expect(y).toEqual(x);
    expect(z).toEqual(x);
    // And the pair still works afterwards: nobody was logged out.
    const next = await rotateRefreshToken(a, x.refresh_token, meta());
    expect(next.refresh_token).not.toBe(x.refresh_token);
  });

  it("a retried old token after its replacement was used is reuse, not grace", async () => {
    const first = await login(a);
    const second = await rotateRefreshToken(a, first.refresh_token, meta());
    await rotateRefreshToken(a, second.refresh_token, meta());
    await expect401(rotateRefreshToken(a, first.refresh_token, meta()));
  });

  it("revoke ends the family; tokens are refused on another tenant and when tampered", async () => {
    const pair = await login(a);
    await expect401(rotateRefreshToken(b, pair.refresh_token, meta()));
    await expect401(rotateRefreshToken(a, pair.refresh_token.slice(0, -2) + "xx", meta()));
    expect(await revokeRefreshToken(b, pair.refresh_token, meta())).toBe(false);
    expect(await revokeRefreshToken(a, pair.refresh_token, meta())).toBe(true);
    await expect401(rotateRefreshToken(a, pair.refresh_token, meta()));
    await expect401(principalFromBearer(a, `Bearer ${pair.access_token}`, meta(), settings));
  });
});

describe("API keys", () => {
  const ownerCtx = { actorType: "user" as const, actorLabel: "owner" };

  async function ownerPrincipal(slug: string) {
    const pair = await login(slug);
    return (await principalFromBearer(slug, `Bearer ${pair.access_token}`, meta(), settings))!;
  }

  it("are shown once, stored hashed, carry their scopes, and are refused on other tenants", async () => {
    const owner = await ownerPrincipal(a);
    const { key, apiKey } = await createApiKey(a, owner, { name: "CI", scopes: ["members:read"] }, ownerCtx);
    expect(key.startsWith(apiKey.prefix + "_")).toBe(true);
    const row = await tenantDb(a).apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    // The secret part is everything after the prefix (base64url: it may itself hold "_").
    expect(row.keyHash).not.toContain(key.slice(apiKey.prefix.length + 1));
    const p = await principalFromBearer(a, `Bearer ${key}`, meta(), settings);
    expect(p).toMatchObject({ kind: "api_key", id: apiKey.id, permissions: ["members:read"] });
    await expect401(principalFromBearer(b, `Bearer ${key}`, meta(), settings));
    // last use is recorded, and audited once a day
    await principalFromBearer(a, `Bearer ${key}`, meta(), settings);
    const used = await tenantDb(a).auditLog.count({ where: { action: "api_key.used", targetId: apiKey.id } });
    expect(used).toBe(1);
    expect((await tenantDb(a).apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt).not.toBeNull();
  });

  it("cannot be given permissions the creator lacks; revoked and expired keys are refused", async () => {
    const email = `admin@${a}.test`;
    await addUser(a, email, "admin");
    const pair = await login(a, email);
    const admin = (await principalFromBearer(a, `Bearer ${pair.access_token}`, meta(), settings))!;
    await expect(createApiKey(a, admin, { name: "x", scopes: ["members:unlock"] }, ownerCtx)).rejects.toMatchObject({ status: 403 });
    await expect(createApiKey(a, admin, { name: "", scopes: [] }, ownerCtx)).rejects.toMatchObject({ status: 400 });

    const { key, apiKey } = await createApiKey(a, admin, { name: "temp", scopes: ["members:read"] }, ownerCtx);
    const { revokeApiKey } = await import("@/lib/auth/api-keys");
    await revokeApiKey(a, apiKey.id, ownerCtx);
    await expect401(principalFromBearer(a, `Bearer ${key}`, meta(), settings));

    const short = await createApiKey(a, admin, { name: "short", scopes: ["members:read"], expiresAt: new Date(Date.now() + 60_000) }, ownerCtx);
    const { withAudit } = await import("@/lib/audit/with-audit");
    await withAudit(a, ownerCtx, (tx) => tx.apiKey.update({ where: { id: short.apiKey.id }, data: { expiresAt: new Date(Date.now() - 1000) } }));
    await expect401(principalFromBearer(a, `Bearer ${short.key}`, meta(), settings));
  });

  it("act for their creator: narrowed when the creator is demoted, dead when removed; keys cannot mint keys", async () => {
    const email = `keymaker@${a}.test`;
    const creatorId = await addUser(a, email, "admin");
    const pair = await login(a, email);
    const admin = (await principalFromBearer(a, `Bearer ${pair.access_token}`, meta(), settings))!;
    const { key } = await createApiKey(a, admin, { name: "ops", scopes: ["members:read", "members:write", "api_keys:write"] }, ownerCtx);
    const asKey = (await principalFromBearer(a, `Bearer ${key}`, meta(), settings))!;
    expect(asKey.permissions).toEqual(["members:read", "members:write", "api_keys:write"]);
    await expect(createApiKey(a, asKey, { name: "child", scopes: ["members:read"] }, ownerCtx)).rejects.toMatchObject({ status: 403 });

    const { withAudit } = await import("@/lib/audit/with-audit");
    await withAudit(a, ownerCtx, (tx) => tx.user.update({ where: { id: creatorId }, data: { role: "viewer" } }));
    expect((await principalFromBearer(a, `Bearer ${key}`, meta(), settings))!.permissions).toEqual(["members:read"]);
    await withAudit(a, ownerCtx, (tx) => tx.user.delete({ where: { id: creatorId } }));
    await expect401(principalFromBearer(a, `Bearer ${key}`, meta(), settings));
  });
});
