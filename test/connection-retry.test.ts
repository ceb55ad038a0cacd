// A connection killed under a request (pg_terminate_backend, as a failover or an
// operator does) is retried once where nothing of the work took effect, instead of
// surfacing as a 500: withAudit transactions before COMMIT, the webhook intake's one
// statement (idempotent), and top-level reads. Real PostgreSQL; the test's own
// connection terminates the app's backends of this database.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { checkPassword } from "@/lib/auth/authenticate";
import { isConnectionLoss, retryOnConnectionLoss } from "@/lib/db/connection-retry";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { receiveWebhook } from "@/lib/integrations/inbox/receive-webhook";
import { setInboxRecovery } from "@/lib/integrations/inbox/recovery";
import { createIntegration } from "@/lib/integrations/integrations";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { auditRows, patchEnv, patientRedis, startFakeEngine, testMeta, type FakeEngine } from "./support/integrations";
import { addUser, meta as authMeta, testPassword } from "./support/auth";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("connkill");
const ctx = systemContext("test");
let raw: pg.Client;
let engine: FakeEngine;
let restoreEnv: () => void;

beforeAll(async () => {
  raw = await rawClient();
  engine = await startFakeEngine();
  restoreEnv = patchEnv({ INNGEST_BASE_URL: engine.url, ...patientRedis });
  setInboxRecovery(false);
  await createTenant({ slug, name: "Conn Kill Co" });
});

afterAll(async () => {
  setInboxRecovery(true);
  restoreEnv();
  await engine.close();
  await dropTenantsQuietly([slug]);
  await raw.end();
  await closePool();
});

/** The app's backend waiting on a lock while running a statement that matches `pattern`. */
async function waitingBackend(pattern: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    // Inside a transaction pg_stat_activity is a snapshot taken once: take a fresh one.
    await raw.query("SELECT pg_stat_clear_snapshot()");
    const { rows } = await raw.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query ILIKE $1`,
      [`%${pattern}%`],
    );
    if (rows[0]) return rows[0].pid;
    if (Date.now() > deadline) {
      const all = await raw.query(
        `SELECT pid, state, wait_event_type, wait_event, left(query, 200) AS q FROM pg_stat_activity WHERE datname = current_database()`,
      );
      throw new Error(`no backend waiting on ${pattern}: ${JSON.stringify(all.rows)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const terminate = (pid: number) => raw.query("SELECT pg_terminate_backend($1)", [pid]);

describe("classifying errors", () => {
  it("knows a lost connection from other failures", () => {
    expect(isConnectionLoss(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isConnectionLoss(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isConnectionLoss(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).toBe(true);
    expect(isConnectionLoss({ message: "x", meta: { driverAdapterError: { cause: { originalCode: "57P01" } } } })).toBe(true);
    expect(isConnectionLoss(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isConnectionLoss(new Error("boom"))).toBe(false);
  });

  it("retries once, and only a lost connection", async () => {
    let calls = 0;
    await expect(retryOnConnectionLoss(async () => (++calls === 1 ? Promise.reject(new Error("Connection terminated unexpectedly")) : "ok"))).resolves.toBe(
      "ok",
    );
    expect(calls).toBe(2);
    calls = 0;
    await expect(retryOnConnectionLoss(async () => (++calls, Promise.reject(new Error("Connection terminated unexpectedly"))))).rejects.toThrow(/terminated/);
    expect(calls).toBe(2);
    calls = 0;
    await expect(retryOnConnectionLoss(async () => (++calls, Promise.reject(new Error("boom"))))).rejects.toThrow("boom");
    expect(calls).toBe(1);
  });
});

describe("a connection killed under the work", () => {
  it("withAudit: the transaction's backend terminated before COMMIT runs it again once; one write, one audit row", async () => {
    const { integration } = await createIntegration(slug, { name: `rename-me ${randomUUID().slice(0, 6)}`, kind: "webhook", scheme: "github" }, ctx);
    let attempts = 0;
    const renamed = await withAudit(slug, ctx, async (tx) => {
      attempts++;
      if (attempts === 1) {
        const [me] = await tx.$queryRawUnsafe<{ pid: number }[]>("SELECT pg_backend_pid() AS pid");
        await terminate(me!.pid);
        await new Promise((r) => setTimeout(r, 100));
      }
      return tx.integration.update({ where: { id: integration.id }, data: { name: "renamed after a kill" } });
    });
    expect(attempts).toBe(2);
    expect(renamed.name).toBe("renamed after a kill");
    const updates = await auditRows(raw, slug, "action = 'integration.updated' AND target_id = $1", [integration.id]);
    expect(updates).toHaveLength(1);
  });

  it("withAudit: other failures are not retried", async () => {
    let attempts = 0;
    await expect(
      withAudit(slug, ctx, async () => {
        attempts++;
        throw new Error("not a connection problem");
      }),
    ).rejects.toThrow("not a connection problem");
    expect(attempts).toBe(1);
  });

  it("the webhook intake: its statement killed while it runs is retried, the delivery is stored once and answered 202", async () => {
    const { integration, secret } = await createIntegration(slug, { name: `hmac ${randomUUID().slice(0, 6)}`, kind: "webhook", scheme: "hmac-sha256" }, ctx);
    const body = Buffer.from(JSON.stringify({ type: "order.paid", id: `ord_${randomUUID()}` }));
    const sha = (await raw.query<{ h: string }>("SELECT encode(sha256($1::bytea), 'hex') AS h", [body])).rows[0]!.h;
    // Hold the lock the intake takes for this body, so its statement is in flight when killed.
    const key = `${integration.id}:${sha}`;
    await raw.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [key]);
    let released = false;
    try {
      const delivery = receiveWebhook({
        slug,
        integrationId: integration.id,
        headers: signWebhook("hmac-sha256", secret!, body, { id: "kill-1" }),
        body,
        meta: testMeta,
      });
      await terminate(await waitingBackend("webhook_intake"));
      await raw.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]);
      released = true;
      const result = await delivery;
      expect(result).toMatchObject({ duplicate: false, dispatched: true });
    } finally {
      if (!released) await raw.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]);
    }
    const { rows } = await raw.query(`SELECT id FROM "${schemaNameFor(slug)}".webhook_events WHERE integration_id = $1`, [integration.id]);
    expect(rows).toHaveLength(1);
  });

  it("a sign-in whose account lookup is killed while it runs succeeds (was a 500)", async () => {
    const email = `member-${randomUUID().slice(0, 6)}@conn.test`;
    await addUser(slug, email, "member");
    await raw.query("BEGIN");
    let open = true;
    try {
      await raw.query(`LOCK TABLE "${schemaNameFor(slug)}".users IN ACCESS EXCLUSIVE MODE`);
      const signIn = checkPassword(slug, email, testPassword, authMeta());
      await terminate(await waitingBackend("users"));
      await raw.query("COMMIT");
      open = false;
      expect(await signIn).toMatchObject({ status: "ok", user: { email } });
    } finally {
      if (open) await raw.query("ROLLBACK");
    }
  });

  it("a top-level read killed while it runs is retried", async () => {
    await createIntegration(slug, { name: `read ${randomUUID().slice(0, 6)}`, kind: "webhook", scheme: "github" }, ctx);
    await raw.query("BEGIN");
    let open = true;
    try {
      await raw.query(`LOCK TABLE "${schemaNameFor(slug)}".integrations IN ACCESS EXCLUSIVE MODE`);
      // .then: a Prisma query only starts when it is awaited or then-ed.
      const read = tenantDb(slug)
        .integration.findMany({ select: { id: true } })
        .then((r) => r);
      await terminate(await waitingBackend("integrations"));
      await raw.query("COMMIT");
      open = false;
      expect((await read).length).toBeGreaterThanOrEqual(1);
    } finally {
      if (open) await raw.query("ROLLBACK");
    }
  });
});
