// The integration page's 24-hour history (lib/integrations/health-history.ts) and the
// dashboard's health summary (lib/integrations/health-summary.ts), against real
// PostgreSQL and Redis: hourly buckets by outcome, p95 processing time, outbound success
// rate from real outbound calls (a local HTTP server), an open circuit, dead letters and
// backlog; another tenant sees none of it.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { closePool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import { integrationHistory } from "@/lib/integrations/health-history";
import { healthSummary } from "@/lib/integrations/health-summary";
import { createIntegration } from "@/lib/integrations/integrations";
import { callIntegration } from "@/lib/integrations/outbound/client";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { patchEnv, patientRedis } from "./support/integrations";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const slug = uniqueSlug("hist");
const otherSlug = uniqueSlug("hist");
const ctx = systemContext("history-test");
const hourMs = 3_600_000;
let restoreEnv: () => void;
let server: Server;
let baseUrl = "";
let failNext = false;
let webhookId = "";
let restId = "";
let quietId = "";

async function insertEvent(integrationId: string, status: string, receivedAt: Date, processingMs: number | null) {
  const body = Buffer.from(JSON.stringify({ id: randomUUID() }));
  await withAudit(slug, ctx, (tx) =>
    tx.webhookEvent.create({
      data: {
        integrationId,
        providerEventId: randomUUID(),
        headers: {},
        body,
        bodySha256: createHash("sha256").update(body).digest("hex"),
        status,
        receivedAt,
        dispatchedAt: receivedAt,
        processedAt: processingMs === null ? null : new Date(receivedAt.getTime() + processingMs),
      },
    }),
  );
}

beforeAll(async () => {
  restoreEnv = patchEnv({ ...patientRedis });
  server = createServer((_req, res) => {
    res.writeHead(failNext ? 503 : 200, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await Promise.all([createTenant({ slug, name: "History Co" }), createTenant({ slug: otherSlug, name: "Other Co" })]);
  webhookId = (await createIntegration(slug, { name: "Orders", kind: "webhook", scheme: "standard-webhooks" }, ctx)).integration.id;
  restId = (await createIntegration(slug, { name: "CRM", kind: "rest", settings: { baseUrl } }, ctx)).integration.id;
  quietId = (await createIntegration(slug, { name: "Quiet", kind: "webhook", scheme: "github" }, ctx)).integration.id;
});

afterAll(async () => {
  await dropTenantsQuietly([slug, otherSlug]);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  restoreEnv();
  await closePool();
});

describe("24-hour history", () => {
  it("buckets deliveries by hour and outcome, with the p95 processing time of each hour", async () => {
    const now = new Date();
    const thisHour = Math.floor(now.getTime() / hourMs) * hourMs;
    const twoHoursAgo = new Date(thisHour - 2 * hourMs + 60_000);
    // Two hours ago: 20 processed taking 100..2000 ms, 1 dead, 2 failed; this hour: 1 waiting.
    for (let i = 1; i <= 20; i++) await insertEvent(webhookId, "processed", twoHoursAgo, i * 100);
    await insertEvent(webhookId, "dead", twoHoursAgo, null);
    await insertEvent(webhookId, "failed", twoHoursAgo, null);
    await insertEvent(webhookId, "failed", twoHoursAgo, null);
    await insertEvent(webhookId, "received", new Date(thisHour + 1_000), null);
    // Older than 24 hours: not shown. Another integration's: not counted.
    await insertEvent(webhookId, "processed", new Date(thisHour - 30 * hourMs), 50);
    await insertEvent(quietId, "dead", twoHoursAgo, null);

    const history = await integrationHistory(slug, webhookId, now);
    expect(history.hours).toHaveLength(24);
    expect(history.hours.at(-1)!.hour).toBe(new Date(thisHour).toISOString());
    expect(history.hours[0]!.hour).toBe(new Date(thisHour - 23 * hourMs).toISOString());
    const busy = history.hours.find((h) => h.hour === new Date(thisHour - 2 * hourMs).toISOString())!;
    expect(busy.deliveries).toEqual({ processed: 20, pending: 0, failed: 2, dead: 1 });
    // percentile_cont over 100..2000: 0.95 * 19 = 18.05 -> 1900 + 0.05 * 100.
    expect(busy.p95ProcessingMs).toBe(1905);
    expect(history.hours.at(-1)!.deliveries).toEqual({ processed: 0, pending: 1, failed: 0, dead: 0 });
    expect(history.hours.at(-1)!.p95ProcessingMs).toBeNull();
    const total = history.hours.reduce((n, h) => n + h.deliveries.processed + h.deliveries.pending + h.deliveries.failed + h.deliveries.dead, 0);
    expect(total).toBe(24);
    expect(history.hours.every((h) => h.outboundCalls === 0 && h.outboundSuccessRate === null)).toBe(true);
  });

  it("reads outbound calls and their success rate from the real calls' audit rows", async () => {
    const target = {
      tenantSlug: slug,
      integrationId: restId,
      integrationName: "CRM",
      baseUrl,
      timeoutMs: 5_000,
      maxAttempts: 1,
      rateLimitPerMinute: 10_000,
      failureThreshold: 2,
      openSeconds: 60,
    };
    const opts = { allowedHosts: [new URL(baseUrl).host] };
    for (let i = 0; i < 3; i++) await callIntegration(target, { method: "GET", path: "/items" }, ctx, opts);
    failNext = true;
    for (let i = 0; i < 2; i++) await expect(callIntegration(target, { method: "GET", path: "/items" }, ctx, opts)).rejects.toThrow();
    const history = await integrationHistory(slug, restId);
    const last = history.hours.at(-1)!;
    expect(last).toMatchObject({ outboundCalls: 5, outboundSuccesses: 3, outboundSuccessRate: 0.6 });
    expect(history.hours.slice(0, -1).every((h) => h.outboundCalls === 0)).toBe(true);
  });

  it("another tenant cannot read an integration's history", async () => {
    const err = await integrationHistory(otherSlug, webhookId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("not_found");
  });
});

describe("dashboard health summary", () => {
  it("counts open circuits, dead letters and backlog, and lists what needs attention, worst first", async () => {
    const summary = await healthSummary(slug);
    expect(summary).toMatchObject({ integrations: 3, openCircuits: 1, deadLetters: 2, backlog: 3, circuitsUnknown: 0 });
    expect(summary.attention.map((a) => [a.name, a.circuit, a.dead, a.backlog])).toEqual([
      ["CRM", "open", 0, 0],
      ["Orders", null, 1, 3],
      ["Quiet", null, 1, 0],
    ]);
  });

  it("another tenant's summary is its own (empty)", async () => {
    expect(await healthSummary(otherSlug)).toEqual({ integrations: 0, openCircuits: 0, deadLetters: 0, backlog: 0, attention: [], circuitsUnknown: 0 });
  });
});
