// A tenant move as its users see it, through the real request wrapper: during the hold
// API writes and webhooks answer 503 problem+json with Retry-After while reads answer;
// and a move under concurrent API and webhook load, with the real workflow engine
// processing the deliveries, loses nothing and does nothing twice.
import { spawn } from "node:child_process";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { sealNow } from "@/lib/audit/seal-chain";
import { verifyChain } from "@/lib/audit/verify-chain";
import { createApiKey } from "@/lib/auth/api-keys";
import { principalFromBearer } from "@/lib/auth/resolve-principal";
import { issueTokensForPassword } from "@/lib/auth/sign-in-flow";
import { getPool } from "@/lib/db/pool";
import { createIntegration } from "@/lib/integrations/integrations";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { installWriteHold, removeWriteHold } from "@/lib/tenancy/move/write-hold";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { updateTenantSettings } from "@/lib/tenancy/tenant-settings";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { meta, testPassword } from "./support/auth";
import { addMemberOverApi, deliverWebhook, listMembersOverApi, type Delivery } from "./support/move-http";
import { moveTarget, type SecondCluster } from "./support/move";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";
import { repoRoot } from "./support/cli";
import { eventually, startTestEngine, type TestEngine } from "./support/engine";
import { clusterOf, hasSchema } from "./support/move";

const ctx = systemContext("move http test");
const created = new Set<string>();
let platform: pg.Pool;
let c2: SecondCluster;

beforeAll(async () => {
  c2 = moveTarget();
  platform = getPool();
}, 60_000);

afterAll(async () => {
  for (const slug of created) await c2.pool.query(`DROP SCHEMA IF EXISTS ${schemaNameFor(slug)} CASCADE`).catch(() => undefined);
  await dropTenantsQuietly(created);
  await c2.close();
}, 60_000);

async function tenantWithKeyAndHook(prefix: string) {
  const slug = uniqueSlug(prefix);
  created.add(slug);
  await createTenant({ slug, name: `Move ${slug}`, ownerEmail: `owner@${slug}.test`, ownerPassword: testPassword });
  const settings = defaultTenantSettings();
  const { pair } = await issueTokensForPassword(slug, settings, { email: `owner@${slug}.test`, password: testPassword }, meta());
  const owner = (await principalFromBearer(slug, `Bearer ${pair.access_token}`, meta(), settings))!;
  const { key } = await createApiKey(slug, owner, { name: "load", scopes: ["members:read", "members:write"] }, ctx);
  // The load must not meet the rate limits (refusals other than the hold's fail the test).
  await updateTenantSettings(slug, { rateLimits: { apiPerMinute: 1_000_000, principalPerMinute: 1_000_000 } }, ctx);
  const { integration, secret } = await createIntegration(
    slug,
    { name: "hooks", kind: "webhook", scheme: "standard-webhooks", settings: { rateLimitPerMinute: 100_000 } },
    ctx,
  );
  return { slug, key, hook: { id: integration.id, secret: secret! } };
}

describe("the read-only hold, through the request wrapper", () => {
  it("API writes and webhooks answer 503 problem+json with Retry-After; reads answer 200; after the hold writes go through", async () => {
    const { slug, key, hook } = await tenantWithKeyAndHook("mvh");
    const schema = schemaNameFor(slug);
    const { rows: tables } = await platform.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = $1", [schema]);
    await installWriteHold(
      platform,
      schema,
      tables.map((r) => r.t),
      2_000,
    );
    try {
      const write = await addMemberOverApi(slug, key, `held@${slug}.test`);
      expect(write.status).toBe(503);
      expect(write.headers.get("content-type")).toBe("application/problem+json");
      expect(write.headers.get("retry-after")).toBe("2");
      expect(await write.json()).toMatchObject({ status: 503, reason: "tenant_moving" });

      const delivery: Delivery = { eventId: `msg_held_${slug}`, body: JSON.stringify({ type: "thing.updated", data: { id: "held-1" } }) };
      const hookAnswer = await deliverWebhook(slug, hook, delivery);
      expect(hookAnswer.status).toBe(503);
      expect(hookAnswer.headers.get("retry-after")).toBe("2");
      expect(await hookAnswer.json()).toMatchObject({ reason: "tenant_moving" });

      const read = await listMembersOverApi(slug, key);
      expect(read.status).toBe(200);
      expect(((await read.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
    } finally {
      await removeWriteHold(platform, schema);
    }
    // The sender retries the same delivery: accepted once, now.
    const retried = await deliverWebhook(slug, hook, { eventId: `msg_held_${slug}`, body: JSON.stringify({ type: "thing.updated", data: { id: "held-1" } }) });
    expect(retried.status).toBe(202);
    expect((await addMemberOverApi(slug, key, `held@${slug}.test`)).status).toBe(201);
    const { rows } = await platform.query(`SELECT count(*)::int AS n FROM ${schema}.webhook_events`);
    expect(rows[0].n).toBe(1);
    await sealNow(slug, { timeoutMs: 5_000 });
    expect((await verifyChain(platform, slug)).ok).toBe(true);
  }, 60_000);
});

/** The operator's command, as a separate process (its placement announcement reaches this one over Redis). */
function moveCli(slug: string, to: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(repoRoot, "node_modules/.bin/tsx"), ["scripts/tenants.ts", "move", slug, "--to", to], {
      cwd: repoRoot,
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, out }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a move under concurrent API and webhook load", () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine();
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
  });

  it("every accepted API write and webhook is on the target exactly once, every event processed once, reads never fail", async () => {
    const { slug, key, hook } = await tenantWithKeyAndHook("mvl");
    const schema = schemaNameFor(slug);
    await platform.query(
      `INSERT INTO ${schema}.audit_log (actor_type, action, summary) SELECT 'system', 'test.bulk', 'history ' || g FROM generate_series(1, 5000) g`,
    );
    await sealNow(slug, { timeoutMs: 10_000 });

    let stop = false;
    const members: string[] = [];
    const accepted = new Map<string, string>(); // provider event id -> inbox id
    const refusals = { api: 0, webhook: 0 };
    const readFailures: string[] = [];
    let seq = 0;
    const expect503 = async (r: Response) => {
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.headers.get("retry-after")).toBe("2");
      expect(await r.json()).toMatchObject({ status: 503, reason: "tenant_moving" });
    };
    const apiWriter = async () => {
      while (!stop) {
        const email = `load${++seq}@${slug}.test`;
        for (;;) {
          const r = await addMemberOverApi(slug, key, email);
          if (r.status === 201) {
            members.push(email);
            break;
          }
          if (r.status !== 503) throw new Error(`API write answered ${r.status} at ${new Date().toISOString()}: ${await r.text()}`);
          refusals.api++;
          await expect503(r);
          await sleep(50); // a client that retries sooner than asked: still refused until the hold ends
        }
      }
    };
    const webhookSender = async () => {
      while (!stop) {
        const n = ++seq;
        const d: Delivery = { eventId: `msg_load_${n}`, body: JSON.stringify({ type: "thing.updated", data: { id: `thing-${n}`, n } }) };
        for (;;) {
          const r = await deliverWebhook(slug, hook, d);
          if (r.status === 202 || r.status === 200) {
            accepted.set(d.eventId, ((await r.json()) as { id: string }).id);
            break;
          }
          if (r.status !== 503) throw new Error(`webhook answered ${r.status}: ${await r.text()}`);
          refusals.webhook++;
          await expect503(r);
          await sleep(50); // the provider retries the same delivery
        }
      }
    };
    const reader = async () => {
      while (!stop) {
        const r = await listMembersOverApi(slug, key);
        if (r.status !== 200) readFailures.push(`${r.status} ${await r.text()}`);
        await sleep(20);
      }
    };
    const load = Promise.all([apiWriter(), apiWriter(), webhookSender(), webhookSender(), reader()]);
    await sleep(1_000);
    const move = await moveCli(slug, c2.name);
    await sleep(1_000);
    stop = true;
    await load;

    expect(move.code, move.out).toBe(0);
    expect(move.out).toMatch(new RegExp(`moved ${slug} from default to ${c2.name}`));
    expect(await clusterOf(platform, slug)).toBe(c2.name);
    expect(await hasSchema(platform, schema)).toBe(false);
    expect(readFailures).toEqual([]);
    expect(members.length).toBeGreaterThan(0);
    expect(accepted.size).toBeGreaterThan(0);

    // API: exactly the acknowledged members, once each.
    const { rows: users } = await c2.pool.query<{ email: string }>(`SELECT email FROM ${schema}.users WHERE email LIKE 'load%'`);
    expect(users.map((u) => u.email).sort()).toEqual([...members].sort());

    // Webhooks: one inbox row per accepted delivery, all processed, each exactly once.
    await eventually(
      async () => {
        const { rows } = await c2.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.webhook_events WHERE status = 'processed'`);
        return rows[0]!.n === accepted.size ? true : undefined;
      },
      "every accepted delivery to be processed on the target",
      60_000,
    );
    const { rows: inbox } = await c2.pool.query<{ provider_event_id: string; id: string }>(`SELECT provider_event_id, id FROM ${schema}.webhook_events`);
    expect(new Map(inbox.map((r) => [r.provider_event_id, r.id]))).toEqual(accepted);
    const { rows: records } = await c2.pool.query<{ external_id: string }>(`SELECT external_id FROM ${schema}.synced_records`);
    expect(records.map((r) => r.external_id).sort()).toEqual([...accepted.keys()].map((id) => `thing-${id.slice("msg_load_".length)}`).sort());
    // Processed once: one "processed" transition and one record creation per event in the audit trail.
    const { rows: transitions } = await c2.pool.query<{ target_id: string; n: number }>(
      `SELECT target_id, count(*)::int AS n FROM ${schema}.audit_log WHERE action = 'webhook_event.updated' AND changes->'status'->>'after' = 'processed' GROUP BY target_id`,
    );
    expect(transitions).toHaveLength(accepted.size);
    expect(transitions.every((t) => t.n === 1)).toBe(true);
    const { rows: creations } = await c2.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.audit_log WHERE action = 'synced_record.created'`);
    expect(creations[0]!.n).toBe(accepted.size);

    await sealNow(slug, { pool: c2.pool, timeoutMs: 10_000 });
    expect((await verifyChain(c2.pool, slug)).ok).toBe(true);
    console.log(
      `move under load: ${members.length} members, ${accepted.size} webhooks accepted; refused by the hold: ${refusals.api} API, ${refusals.webhook} webhook`,
    );
  }, 240_000);
});
