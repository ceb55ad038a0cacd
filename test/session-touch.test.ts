// A session's last_seen_at is written off the request path, by one statement per tenant
// (lib/auth/session-touch.ts, session_touch in the tenant schema), against real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { createSession, liveSession } from "@/lib/auth/sessions";
import { touchSession } from "@/lib/auth/session-touch";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { meta, tenantWithOwner } from "./support/auth";
import { dropTenantsQuietly, uniqueSlug, withRawClient } from "./support/tenants";

const a = uniqueSlug("touch");
const b = uniqueSlug("touch2");
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
    await Promise.all(ids.map((id) => touchSession(a, id, at, ctx)));
    for (const id of ids) expect(await lastSeen(a, id)).toBe(at.getTime());
    expect(await auditRows(a)).toBe(rowsBefore);
  });

  it("never moves the time backwards", async () => {
    const recent = new Date(Date.now() - 1_000);
    const id = await sessionIn(a, recent);
    await touchSession(a, id, new Date(recent.getTime() - 60_000), ctx);
    expect(await lastSeen(a, id)).toBe(recent.getTime());
  });

  it("liveSession queues the touch for a session not seen for a minute, without waiting for it", async () => {
    const id = await sessionIn(a, new Date(Date.now() - 5 * 60_000));
    const before = Date.now();
    expect(await liveSession(a, id, ctx)).toMatchObject({ id });
    // Written shortly after, not in the request.
    for (let i = 0; i < 50 && (await lastSeen(a, id)) < before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await lastSeen(a, id)).toBeGreaterThanOrEqual(before);
  });

  it("a session id of another tenant changes nothing there or here", async () => {
    const old = new Date(Date.now() - 3_600_000);
    const inB = await sessionIn(b, old);
    await touchSession(a, inB, new Date(), ctx);
    expect(await lastSeen(b, inB)).toBe(old.getTime());
  });

  it("needs the audit context like every write: the function refuses to run without one", async () => {
    const id = await sessionIn(a, new Date(Date.now() - 3_600_000));
    const schema = `tenant_${a.replaceAll("-", "_")}`;
    const err = await withRawClient((c) =>
      c.query(`SELECT "${schema}".session_touch(ARRAY[NULL]::text[], ARRAY[$1]::uuid[], ARRAY[now()]::timestamptz[])`, [id]),
    ).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/without an audit context/);
    expect(await lastSeen(a, id)).toBeLessThan(Date.now() - 3_000_000);
  });
});
