// Durability of accepted webhooks across a killed app, with a production server of its
// own (`next start` on a free port, killed with SIGKILL) and a local Inngest runner:
//   - killed right after the 202: the engine retries until the app is back -> processed;
//   - engine down at receipt, then the app killed: the row waits undispatched, and the
//     restarted app's start-up reconcile hands it to the engine -> processed.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { expect, test } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { createIntegration } from "@/lib/integrations/integrations";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { startInngestRunner, type InngestRunner } from "../scripts/inngest-runner/index";
import { freePort } from "../scripts/lib/free-port";

const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
const eventKey = randomBytes(16).toString("hex");
let appPort = 0;
let runnerPort = 0;
let app: ChildProcess | undefined;
let runner: InngestRunner | undefined;

async function startApp(): Promise<void> {
  app = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(appPort)], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      INNGEST_BASE_URL: `http://127.0.0.1:${runnerPort}`,
      INNGEST_SIGNING_KEY: signingKey,
      INNGEST_EVENT_KEY: eventKey,
      REDIS_TIMEOUT_MS: "3000",
      RATELIMIT_TIMEOUT_MS: "3000",
    },
    stdio: "ignore",
  });
  await expect
    .poll(
      () =>
        fetch(`http://127.0.0.1:${appPort}/api/health`).then(
          (r) => r.status,
          () => 0,
        ),
      { timeout: 60_000 },
    )
    .toBe(200);
}

function killApp(): void {
  app?.kill("SIGKILL");
  app = undefined;
}

async function startRunner(): Promise<void> {
  runner = await startInngestRunner({
    port: runnerPort,
    appUrl: `http://127.0.0.1:${appPort}/api/inngest`,
    signingKey,
    eventKey,
    backoffBaseMs: 200,
    backoffMaxMs: 2_000,
    syncIntervalMs: 500,
    log: () => undefined,
  });
}

function deliver(slug: string, integrationId: string, secret: string, n: number): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({ type: "order.created", data: { id: `order-${n}` } });
  const headers = signWebhook("standard-webhooks", secret, body, { id: `msg_restart_${n}_${randomBytes(4).toString("hex")}` });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: appPort,
        path: `/api/webhooks/${integrationId}`,
        method: "POST",
        headers: { ...headers, host: `${slug}.localhost`, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

test.describe.configure({ mode: "serial" });
test.setTimeout(180_000);

test.beforeAll(async () => {
  [appPort, runnerPort] = [await freePort(), await freePort()];
});

test.afterAll(async () => {
  killApp();
  await runner?.close();
  await closePool();
});

test("killed right after the 202, the event is processed once the app is back", async () => {
  const slug = `restart-${randomBytes(3).toString("hex")}`;
  await createTenant({ slug, name: "Restart" });
  const { integration, secret } = await createIntegration(slug, { name: "orders", kind: "webhook", scheme: "standard-webhooks" }, systemContext("e2e"));
  await startRunner();
  await startApp();
  expect((await runner!.sync()).ok).toBe(true);

  const res = await deliver(slug, integration.id, secret!, 1);
  killApp();
  expect(res.status, res.body).toBe(202);
  const { id } = JSON.parse(res.body) as { id: string };
  // Stored before the answer, whatever happened next.
  expect(await tenantDb(slug).webhookEvent.count({ where: { id } })).toBe(1);

  await startApp();
  await expect.poll(async () => (await tenantDb(slug).webhookEvent.findUniqueOrThrow({ where: { id } })).status, { timeout: 60_000 }).toBe("processed");
});

test("engine down at receipt and the app killed: the restarted app's start-up reconcile dispatches it", async () => {
  const slug = `reconcile-${randomBytes(3).toString("hex")}`;
  await createTenant({ slug, name: "Reconcile" });
  const { integration, secret } = await createIntegration(slug, { name: "orders", kind: "webhook", scheme: "standard-webhooks" }, systemContext("e2e"));
  if (!app) await startApp();
  await runner?.close();
  runner = undefined;

  const res = await deliver(slug, integration.id, secret!, 2);
  expect(res.status, res.body).toBe(202);
  const { id } = JSON.parse(res.body) as { id: string };
  expect(await tenantDb(slug).webhookEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "received", dispatchedAt: null });
  killApp();

  await startRunner();
  await startApp();
  await expect.poll(async () => (await tenantDb(slug).webhookEvent.findUniqueOrThrow({ where: { id } })).status, { timeout: 60_000 }).toBe("processed");
  expect((await tenantDb(slug).webhookEvent.findUniqueOrThrow({ where: { id } })).dispatchedAt).not.toBeNull();
});
