// A session's last_seen_at is written off the request path, by one plain statement per
// tenant (lib/auth/housekeeping-touch.ts), against real PostgreSQL; a change to housekeeping
// columns alone calls no trigger function (the housekeeping_triggers migration), yet still
// needs an audit context.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { authenticateApiKey } from "@/lib/auth/api-keys";
import { createSession, liveSession } from "@/lib/auth/sessions";
import { sha256Hex } from "@/lib/crypto/compare";
import { touchApiKey, touchEveryMs, touchSession } from "@/lib/auth/housekeeping-touch";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { meta, tenantWithOwner } from "./support/auth";
import { dropTenantsQuietly, uniqueSlug, withRawClient } from "./support/tenants";

const a = uniqueSlug("touch");
const b = uniqueSlug("touch2");
const schemaA = `tenant_${a.replaceAll("-", "_")}`;
const ctx = systemContext("test");

async function sessionIn(slug: string, lastSeenAt: Date): Promise<string> {
  const owner = await tenantDb(slug).user.findFirstOrThrow({ where: { role: "owner" } });
  const { id } = await withAudit(slug, ctx, (tx) => createSession(tx, { userId: owner.id, kind: "api", meta: meta(), now: lastSeenAt }));
  return id;
}

const lastSeen = async (slug: string, id: string) => (await tenantDb(slug).session.findUniqueOrThrow({ where: { id } })).lastSeenAt.getTime();
const auditRows = async (slug: string) => tenantDb(slug).auditLog.count();

beforeAll(async () => {
  await tenantWithOwner(a);
  await tenantWithOwner(b);
});

afterAll(async () => {
  await dropTenantsQuietly([a, b]);
  await closePool();
});

describe("session last-seen writes", () => {
  it("writes the time, many sessions in one call, and no audit row", async () => {
    const old = new Date(Date.now() - 3_600_000);
    const ids = await Promise.all([1, 2, 3].map(() => sessionIn(a, old)));
    const rowsBefore = await auditRows(a);
    const at = new Date(Date.now() - 1_000);
    await Promise.all(ids.map((id) => touchSession(a, id, at)));
    for (const id of ids) expect(await lastSeen(a, id)).toBe(at.getTime());
    expect(await auditRows(a)).toBe(rowsBefore);
  });

  it("never moves the time backwards", async () => {
    const recent = new Date(Date.now() - 1_000);
    const id = await sessionIn(a, recent);
    await touchSession(a, id, new Date(recent.getTime() - 60_000));
    expect(await lastSeen(a, id)).toBe(recent.getTime());
  });

  it("liveSession queues the touch for a session not seen for the interval, without waiting for it", async () => {
    const id = await sessionIn(a, new Date(Date.now() - touchEveryMs - 60_000));
    const before = Date.now();
    expect(await liveSession(a, id)).toMatchObject({ id });
    // Written shortly after, not in the request.
    for (let i = 0; i < 50 && (await lastSeen(a, id)) < before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await lastSeen(a, id)).toBeGreaterThanOrEqual(before);
  });

  it("liveSession writes nothing for a session seen within the interval", async () => {
    const recent = new Date(Date.now() - touchEveryMs + 60_000);
    const id = await sessionIn(a, recent);
    expect(await liveSession(a, id)).toMatchObject({ id });
    // The positive case above is written within a second; this one is not written at all.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await lastSeen(a, id)).toBe(recent.getTime());
  });

  it("a session id of another tenant changes nothing there or here", async () => {
    const old = new Date(Date.now() - 3_600_000);
    const inB = await sessionIn(b, old);
    await touchSession(a, inB, new Date());
    expect(await lastSeen(b, inB)).toBe(old.getTime());
  });

  it("keeps the latest of two touches of one session queued together", async () => {
    const id = await sessionIn(a, new Date(Date.now() - 3_600_000));
    const later = new Date(Date.now() - 1_000);
    await Promise.all([
      touchSession(a, id, new Date(later.getTime() - 30_000)),
      touchSession(a, id, later),
      touchSession(a, id, new Date(later.getTime() - 10_000)),
    ]);
    expect(await lastSeen(a, id)).toBe(later.getTime());
  });

  it("needs the audit context like every write: a raw last_seen_at update without one is refused", async () => {
    const id = await sessionIn(a, new Date(Date.now() - 3_600_000));
    const err = await withRawClient((c) => c.query(`UPDATE "${schemaA}".sessions SET last_seen_at = now() WHERE id = $1`, [id])).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/without an audit context/);
    expect(await lastSeen(a, id)).toBeLessThan(Date.now() - 3_000_000);
  });
});

describe("API key last-used writes", () => {
  async function keyIn(slug: string): Promise<{ id: string; key: string }> {
    const owner = await tenantDb(slug).user.findFirstOrThrow({ where: { role: "owner" } });
    const prefix = `tpk_${randomBytes(6).toString("hex")}`;
    const key = `${prefix}_${randomBytes(32).toString("base64url")}`;
    const id = await withAudit(
      slug,
      ctx,
      async (tx) => (await tx.apiKey.create({ data: { name: "touch test", prefix, keyHash: sha256Hex(key), scopes: [], createdById: owner.id } })).id,
    );
    return { id, key };
  }
  const lastUsed = async (slug: string, id: string) => (await tenantDb(slug).apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt?.getTime() ?? null;
  const usedEvents = (slug: string, id: string) => tenantDb(slug).auditLog.count({ where: { action: "api_key.used", targetId: id } });
  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
  };

  it("the day's first use is written in the request with its audit event; later uses once per interval, queued, without one", async () => {
    const { id, key } = await keyIn(a);
    const today = new Date();
    const noon = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 12));
    const at = (ms: number) => new Date(noon.getTime() + ms);

    expect(await authenticateApiKey(a, key, meta(), noon)).toMatchObject({ kind: "api_key", id });
    // Written before the request goes on, with the day's event.
    expect(await lastUsed(a, id)).toBe(noon.getTime());
    expect(await usedEvents(a, id)).toBe(1);

    // Within the interval: nothing written.
    await authenticateApiKey(a, key, meta(), at(60_000));
    await new Promise((r) => setTimeout(r, 300));
    expect(await lastUsed(a, id)).toBe(noon.getTime());

    // After it: queued, written shortly after, no audit row.
    const auditBefore = await auditRows(a);
    const later = at(touchEveryMs + 60_000);
    await authenticateApiKey(a, key, meta(), later);
    await until(async () => (await lastUsed(a, id)) === later.getTime());
    expect(await lastUsed(a, id)).toBe(later.getTime());
    expect(await auditRows(a)).toBe(auditBefore);

    // The next UTC day: in the request again, with that day's event.
    const tomorrow = at(24 * 3_600_000);
    await authenticateApiKey(a, key, meta(), tomorrow);
    expect(await lastUsed(a, id)).toBe(tomorrow.getTime());
    expect(await usedEvents(a, id)).toBe(2);
  });

  it("touchApiKey writes the time and no audit row, never backwards, and changes nothing of another tenant's key", async () => {
    const { id } = await keyIn(a);
    const rowsBefore = await auditRows(a);
    const at = new Date(Date.now() - 1_000);
    await touchApiKey(a, id, at);
    expect(await lastUsed(a, id)).toBe(at.getTime());
    expect(await auditRows(a)).toBe(rowsBefore);
    await touchApiKey(a, id, new Date(at.getTime() - 60_000));
    expect(await lastUsed(a, id)).toBe(at.getTime());
    const inB = await keyIn(b);
    await touchApiKey(a, inB.id, new Date());
    expect(await lastUsed(b, inB.id)).toBeNull();
  });
});

describe("housekeeping columns call no trigger function", () => {
  /** Runs `sql` in a transaction with an audit context; returns the calls of audit_row_change it made, and the audit rows. */
  async function callsOf(sql: string, params: unknown[]): Promise<{ calls: number; auditRows: number }> {
    return withRawClient(async (c) => {
      await c.query("BEGIN");
      try {
        // Per-transaction function statistics (superuser on the test server).
        await c.query("SET LOCAL track_functions = 'pl'");
        await c.query("SELECT set_config('audit.context', $1, true)", [JSON.stringify(ctx)]);
        const before = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${schemaA}".audit_log`);
        await c.query(sql, params);
        const { rows } = await c.query<{ calls: string | null }>(
          "SELECT sum(calls)::text AS calls FROM pg_stat_xact_user_functions WHERE schemaname = $1 AND funcname = 'audit_row_change'",
          [schemaA],
        );
        const after = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${schemaA}".audit_log`);
        return { calls: Number(rows[0]?.calls ?? 0), auditRows: Number(after.rows[0]!.n) - Number(before.rows[0]!.n) };
      } finally {
        await c.query("ROLLBACK");
      }
    });
  }

  it("a session: last_seen_at alone, no call and no audit row; any other column, both", async () => {
    const id = await sessionIn(a, new Date(Date.now() - 3_600_000));
    expect(await callsOf(`UPDATE "${schemaA}".sessions SET last_seen_at = now() WHERE id = $1`, [id])).toEqual({ calls: 0, auditRows: 0 });
    expect(await callsOf(`UPDATE "${schemaA}".sessions SET revoked_at = now(), last_seen_at = now() WHERE id = $1`, [id])).toEqual({ calls: 1, auditRows: 1 });
  });

  it("an API key: last_used_at (and updated_at) alone, no call and no audit row; any other column, both", async () => {
    const owner = await tenantDb(a).user.findFirstOrThrow({ where: { role: "owner" } });
    const keyId = await withAudit(
      a,
      ctx,
      async (tx) =>
        (await tx.apiKey.create({ data: { name: "touch test", prefix: `tt${Date.now()}`, keyHash: "x".repeat(64), scopes: [], createdById: owner.id } })).id,
    );
    expect(await callsOf(`UPDATE "${schemaA}".api_keys SET last_used_at = now(), updated_at = now() WHERE id = $1`, [keyId])).toEqual({
      calls: 0,
      auditRows: 0,
    });
    expect(await callsOf(`UPDATE "${schemaA}".api_keys SET name = 'renamed', last_used_at = now() WHERE id = $1`, [keyId])).toEqual({ calls: 1, auditRows: 1 });
    const err = await withRawClient((c) => c.query(`UPDATE "${schemaA}".api_keys SET last_used_at = now() WHERE id = $1`, [keyId])).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/without an audit context/);
  });
});
