// Integrations over HTTP against the production build (3100, with the local Inngest
// runner on 3190 as the engine, app in signed mode): create and read without secrets,
// signed webhooks of each scheme (202, dedup, tampered, stale, 413, paused, another
// tenant's id), the processed row in the inbox, health, permissions and isolation.
import { expect, test } from "@playwright/test";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { addTestMember, apiPassword as password, expectProblem, freshTenant, tenantApi } from "./support";

/** A webhook delivery: the raw body with its signature headers, on the tenant's host. */
function deliver(t: ReturnType<typeof tenantApi>, path: string, body: string | Buffer, headers: Record<string, string>) {
  return t.post(path, body, undefined, { "content-type": "application/json", ...headers });
}

async function ownerToken(t: ReturnType<typeof tenantApi>, email?: string): Promise<string> {
  return (await t.token(email)).access_token;
}

test.afterAll(async () => {
  await closePool();
});

test("create a webhook integration, deliver signed events of every scheme, see them processed", async ({ request }) => {
  const slug = await freshTenant("hooks");
  const t = tenantApi(request, slug);
  const token = await ownerToken(t);

  for (const scheme of ["standard-webhooks", "stripe", "github", "hmac-sha256"] as const) {
    const created = await t.post("/api/v1/integrations", { name: `in ${scheme}`, kind: "webhook", scheme }, token);
    expect(created.status(), await created.text()).toBe(201);
    expect(created.headers()["cache-control"]).toBe("no-store");
    const { id, secret } = (await created.json()) as { id: string; secret: string };
    if (scheme === "standard-webhooks") expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    const read = await t.get(`/api/v1/integrations/${id}`, token);
    expect(await read.text()).not.toContain(secret);

    const eventId = `evt_${crypto.randomUUID()}`;
    const body = JSON.stringify({ id: eventId, type: "invoice.paid", data: { id: `inv-${scheme}`, object: { id: `obj-${scheme}` }, amount: 42 } });
    const signed = signWebhook(scheme, secret, body, { id: eventId });
    const first = await deliver(t, `/api/webhooks/${id}`, body, signed);
    expect(first.status(), await first.text()).toBe(202);
    const { id: inboxId } = (await first.json()) as { id: string };

    // A redelivery: 200, the same inbox row, nothing stored.
    const again = await deliver(t, `/api/webhooks/${id}`, body, signed);
    expect(again.status()).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(inboxId);

    // One flipped byte: refused, nothing stored.
    const tampered = await deliver(t, `/api/webhooks/${id}`, body.replace("42", "43"), signed);
    await expectProblem(tampered, 401);

    await expect
      .poll(
        async () => {
          const res = await t.get(`/api/v1/integrations/${id}/events`, token);
          const events = ((await res.json()) as { data: { id: string; status: string; attempts: number }[] }).data;
          return events.map((e) => `${e.id}:${e.status}:${e.attempts}`);
        },
        { timeout: 30_000, message: `the ${scheme} event to be processed` },
      )
      .toEqual([`${inboxId}:processed:1`]);
  }
});

test("stale timestamps, oversized bodies, paused and foreign integrations are refused and store nothing", async ({ request }) => {
  const [slug, other] = [await freshTenant("refuse"), await freshTenant("other")];
  const t = tenantApi(request, slug);
  const token = await ownerToken(t);
  const { id, secret } = (await (await t.post("/api/v1/integrations", { name: "stripe", kind: "webhook", scheme: "stripe" }, token)).json()) as {
    id: string;
    secret: string;
  };
  const body = JSON.stringify({ id: "evt_stale", type: "x", data: { object: { id: "o" } } });

  const stale = await deliver(t, `/api/webhooks/${id}`, body, signWebhook("stripe", secret, body, { timestamp: new Date(Date.now() - 6 * 60_000) }));
  const problem = await expectProblem(stale, 401);
  expect(problem.detail).toMatch(/timestamp/i);

  const huge = "x".repeat(1024 * 1024 + 1);
  const tooLarge = await deliver(t, `/api/webhooks/${id}`, huge, signWebhook("stripe", secret, huge));
  await expectProblem(tooLarge, 413);

  // Another tenant's host with this tenant's integration id: unknown there.
  const foreign = await deliver(tenantApi(request, other), `/api/webhooks/${id}`, body, signWebhook("stripe", secret, body));
  await expectProblem(foreign, 404);

  const paused = await t.patch(`/api/v1/integrations/${id}`, { status: "paused" }, token);
  expect(paused.status()).toBe(200);
  await expectProblem(await deliver(t, `/api/webhooks/${id}`, body, signWebhook("stripe", secret, body)), 404);

  expect(await tenantDb(slug).webhookEvent.count()).toBe(0);
  expect(await tenantDb(other).webhookEvent.count()).toBe(0);
  const refusals = await tenantDb(slug).auditLog.count({ where: { action: "integration.webhook_rejected" } });
  expect(refusals).toBe(2); // stale + paused (the oversized body never reached the check; the foreign one is the other tenant's)
  expect(await tenantDb(other).auditLog.count({ where: { action: "integration.webhook_rejected", targetId: id } })).toBe(1);
});

test("permissions, health and isolation of the integrations API", async ({ request }) => {
  const [slug, other] = [await freshTenant("perm"), await freshTenant("iso")];
  const t = tenantApi(request, slug);
  const token = await ownerToken(t);
  const created = await t.post("/api/v1/integrations", { name: "gh", kind: "webhook", scheme: "github" }, token);
  const { id } = (await created.json()) as { id: string };

  const bad = await t.post("/api/v1/integrations", { name: "", kind: "webhook", scheme: "nope" }, token);
  const invalid = await expectProblem(bad, 400);
  expect(JSON.stringify(invalid)).toMatch(/scheme/);

  const health = await t.get(`/api/v1/integrations/${id}/health`, token);
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ integrationId: id, status: "active", inbox: { backlog: 0, dead: 0 }, circuit: null });

  await addTestMember(slug, { email: `viewer@${slug}.test`, role: "viewer", password });
  const viewer = await ownerToken(t, `viewer@${slug}.test`);
  await expectProblem(await t.get("/api/v1/integrations", viewer), 403);

  // The other tenant's owner cannot read, change or list this integration.
  const o = tenantApi(request, other);
  const otherToken = await ownerToken(o);
  await expectProblem(await o.get(`/api/v1/integrations/${id}`, otherToken), 404);
  await expectProblem(await o.get(`/api/v1/integrations/${id}/events`, otherToken), 404);
  await expectProblem(await o.patch(`/api/v1/integrations/${id}`, { status: "paused" }, otherToken), 404);
  expect(((await (await o.get("/api/v1/integrations", otherToken)).json()) as { data: unknown[] }).data).toEqual([]);
  // And this tenant's token is not accepted on the other tenant's host.
  await expectProblem(await o.get("/api/v1/integrations", token), 401);
});

test("the engine's door refuses unsigned calls on the production build: a crafted step call runs nothing", async ({ request }) => {
  const slug = await freshTenant("door");
  const t = tenantApi(request, slug);
  const token = await ownerToken(t);
  const created = await t.post("/api/v1/integrations", { name: "api", kind: "rest", settings: { baseUrl: "https://api.example.com" } }, token);
  expect(created.status()).toBe(201);
  const { id: integrationId } = (await created.json()) as { id: string };
  const event = { name: "integration/sync.requested", data: { tenant: slug, integrationId, trigger: "manual" }, id: crypto.randomUUID(), ts: Date.now() };
  const body = {
    event,
    events: [event],
    steps: {},
    ctx: { run_id: "01CRAFTED", attempt: 0, disable_immediate_execution: false, use_api: false, stack: { stack: [], current: 0 } },
  };
  const url = "http://127.0.0.1:3100/api/inngest";
  expect((await request.post(`${url}?fnId=tenant-platform-sync-integration&stepId=step`, { data: body })).status()).toBe(401);
  expect(
    (
      await request.post(`${url}?fnId=tenant-platform-sync-integration&stepId=step`, {
        data: body,
        headers: { "x-inngest-signature": `t=${Math.floor(Date.now() / 1000)}&s=${"0".repeat(64)}` },
      })
    ).status(),
  ).toBe(401);
  expect((await request.get(url)).status()).toBe(401);
  expect((await request.put(url)).status()).toBe(401);
  const runs = await tenantDb(slug).syncRun.count();
  expect(runs).toBe(0);
});
