// Workflow runs as an operator sees them: run outcomes counted by function (ok,
// retried, dead_lettered), the processing lag observed, and every line a run writes
// carrying its function, run id, attempt (and step). Real engine: the platform's
// functions served over HTTP, driven by the local runner.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { tenantDb } from "@/lib/db/tenant-client";
import { receiveWebhook } from "@/lib/integrations/inbox/receive-webhook";
import { createIntegration } from "@/lib/integrations/integrations";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { registry } from "@/lib/observability/metrics";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { eventually, startTestEngine, type TestEngine } from "./support/engine";
import { allowOutbound } from "./support/integrations";
import { captureLogs } from "./support/logs";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const ctx = systemContext("workflow observability test");
const slug = uniqueSlug("wfo");
let engine: TestEngine;

beforeAll(async () => {
  await createTenant({ slug, name: "Workflow observability" });
  engine = await startTestEngine();
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await dropTenantsQuietly([slug]);
});

async function value(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))
    .filter((v) => !("metricName" in v) || v.metricName === name || v.metricName === `${name}_count`)
    .reduce((n, v) => n + v.value, 0);
}

let n = 0;
async function deliver(hook: { id: string; secret: string }, body: string) {
  const headers = new Headers(signWebhook("standard-webhooks", hook.secret, body, { id: `msg_${Date.now()}_${++n}` }));
  return receiveWebhook({ slug, integrationId: hook.id, headers, body: Buffer.from(body), meta: { requestId: "req-wfo" } });
}

async function hook(settings: Record<string, unknown> = {}) {
  const { integration, secret } = await createIntegration(
    slug,
    { name: `hooks ${Math.random()}`, kind: "webhook", scheme: "standard-webhooks", settings },
    ctx,
  );
  return { id: integration.id, secret: secret! };
}

const statusIs = (id: string, status: string) => async () => {
  const r = await tenantDb(slug).webhookEvent.findUniqueOrThrow({ where: { id } });
  return r.status === status ? r : undefined;
};

describe("workflow observability", () => {
  it("counts runs by function and outcome, observes the lag, and puts run context on the lines", async () => {
    const logs = captureLogs();
    const before = {
      ok: await value("platform_workflow_runs_total", { outcome: "ok" }),
      retried: await value("platform_workflow_runs_total", { function: "process-webhook", outcome: "retried" }),
      dead: await value("platform_workflow_runs_total", { outcome: "dead_lettered" }),
      lag: await value("platform_webhook_processing_lag_seconds"),
    };
    // A forward that fails twice then succeeds: retried, then ok.
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(hits++ < 2 ? 503 : 200, { "content-type": "application/json" }).end("{}"));
    });
    let hits = 0;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await allowOutbound(base);
    try {
      const { integration: rest } = await createIntegration(
        slug,
        { name: `api ${Math.random()}`, kind: "rest", settings: { baseUrl: base, maxAttempts: 1, failureThreshold: 50 } },
        ctx,
      );
      const forwarding = await hook({ forwardTo: { integrationId: rest.id, path: "/events" } });
      const plain = await hook();
      const good = await deliver(plain, JSON.stringify({ type: "thing.updated", data: { id: "t-1" } }));
      const bad = await deliver(plain, "not json at all");
      const forwarded = await deliver(forwarding, JSON.stringify({ type: "thing.updated", data: { id: "t-2" } }));
      await eventually(statusIs(good.id, "processed"), "the good event to be processed");
      await eventually(statusIs(bad.id, "dead"), "the bad event to be dead-lettered");
      await eventually(statusIs(forwarded.id, "processed"), "the forwarded event to be processed after retries", 60_000);
      // The run's completion is counted just after the row is written.
      await eventually(async () => ((await value("platform_workflow_runs_total", { outcome: "ok" })) >= before.ok + 2 ? true : undefined), "runs counted");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      logs.restore();
    }
    expect(await value("platform_workflow_runs_total", { function: "process-webhook", outcome: "retried" })).toBeGreaterThanOrEqual(before.retried + 2);
    expect(await value("platform_workflow_runs_total", { outcome: "dead_lettered" })).toBe(before.dead + 1);
    expect(await value("platform_webhook_processing_lag_seconds")).toBeGreaterThanOrEqual(before.lag + 2);

    // The retry lines carry the run's context, the step included.
    const retries = logs.lines().filter((l) => l.msg === "workflow step failed; retrying");
    expect(retries.length).toBeGreaterThanOrEqual(2);
    for (const l of retries) {
      expect(l).toMatchObject({ function: "process-webhook", step: "forward" });
      expect(typeof l.run_id).toBe("string");
      expect(typeof l.attempt).toBe("number");
    }
    expect(new Set(retries.map((l) => l.attempt)).size).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
