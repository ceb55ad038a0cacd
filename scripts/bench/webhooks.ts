// npm run bench:webhooks [-- --count 3000 --senders 32 --no-build]
// Signed webhooks against a production build (`next build` + `npm start`) with the
// local Inngest runner as the engine, in a throwaway database: deliveries accepted per
// second (verified, stored, 202) from --senders concurrent senders, p50/p99 latency, and
// the time until every event is processed. Fails if any delivery is lost.
// BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of the app server there (open it in
// Chrome DevTools) to see where a request's time goes.
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { parseArgs } from "node:util";
import { systemContext } from "@/lib/audit/context";
import { closePool } from "@/lib/db/pool";
import { createIntegration } from "@/lib/integrations/integrations";
import { signWebhook } from "@/lib/integrations/signatures/sign";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { updateTenantSettings } from "@/lib/tenancy/tenant-settings";
import { printParts, startStack } from "../lib/stack";
import { freePort } from "../lib/free-port";
import { buildApp, startApp, type RunningApp } from "./lib/app";
import { prepareEngine } from "./lib/engine";
import { waitForProcessing } from "./lib/processing";

const { values } = parseArgs({ options: { count: { type: "string" }, senders: { type: "string" }, "no-build": { type: "boolean" } } });
const count = Number(values.count ?? 3000);
const senders = Number(values.senders ?? 32);
if (!Number.isInteger(count) || count < senders || !Number.isInteger(senders) || senders < 1) {
  console.error("usage: npm run bench:webhooks -- [--count N] [--senders N (<= count)] [--no-build]");
  process.exit(2);
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

const stack = await startStack("test");
printParts(stack.parts);
const engine = await prepareEngine();
const appPort = await freePort();
const appEnv: NodeJS.ProcessEnv = { ...process.env, ...stack.env, ...engine.env, NODE_ENV: "production" };
let app: RunningApp | undefined;
let code = 0;

try {
  if (!values["no-build"]) await buildApp(appEnv);
  // `npm start` (PORT), as production starts it; BENCH_PROFILE_DIR profiles it (scripts/bench/lib/app.ts).
  app = await startApp(appEnv, appPort);
  const runner = await engine.start(appPort);

  const slug = `bench-hooks-${randomBytes(2).toString("hex")}`;
  await createTenant({ slug, name: "Webhook bench" });
  await updateTenantSettings(
    slug,
    { rateLimits: { apiPerMinute: 1_000_000, principalPerMinute: 1_000_000, signInPerIpPer15Minutes: 20, signInPerEmailPer15Minutes: 10 } },
    systemContext("bench"),
  );
  const { integration, secret } = await createIntegration(
    slug,
    { name: "bench", kind: "webhook", scheme: "standard-webhooks", settings: { rateLimitPerMinute: 100_000 } },
    systemContext("bench"),
  );
  // Let the engine sync the app's functions before the clock starts.
  await runner.sync();

  const agent = new Agent({ keepAlive: true, maxSockets: senders });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const send = (i: number): Promise<number> => {
    const body = JSON.stringify({ type: "bench.event", timestamp: new Date().toISOString(), data: { id: `obj-${i % 500}`, n: i } });
    const headers = signWebhook("standard-webhooks", secret!, body, { id: `msg_bench_${i}` });
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: appPort,
          path: `/api/webhooks/${integration.id}`,
          method: "POST",
          agent,
          headers: { ...headers, host: `${slug}.localhost`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  };

  console.log(`\nsending ${count} signed webhooks from ${senders} concurrent senders …`);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        const status = await send(i);
        latencies.push(performance.now() - t0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const sendSeconds = (performance.now() - started) / 1000;
  agent.destroy();

  const { processed, stored, dead } = await waitForProcessing([slug], count, 15 * 60_000, 250);
  const allSeconds = (performance.now() - started) / 1000;

  console.log(`\nwebhooks: ${count} deliveries, ${senders} concurrent senders, production build`);
  console.log(`  responses:        ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}`);
  console.log(`  accepted:         ${(count / sendSeconds).toFixed(0)} webhooks/s (verified, stored, 202) over ${sendSeconds.toFixed(1)} s`);
  console.log(`  latency:          p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms`);
  console.log(
    `  all processed:    ${processed}/${count} after ${allSeconds.toFixed(1)} s from the first send, ${(allSeconds - sendSeconds).toFixed(1)} s after the last (${dead} dead)`,
  );
  const batchRuns = runner.runs().filter((r) => r.functionId.endsWith("process-webhook-batch"));
  if (batchRuns.length)
    console.log(
      `  processing runs:  ${batchRuns.length} batched runs (of the last 1000 kept), ${(batchRuns.reduce((n, r) => n + r.eventIds.length, 0) / batchRuns.length).toFixed(1)} events per run`,
    );
  const lost = count - stored;
  console.log(`  stored rows:      ${stored} (${lost === 0 ? "none lost" : `${lost} LOST`})`);
  if ((statuses.get(202) ?? 0) !== count || stored !== count || processed !== count) code = 1;
} catch (err) {
  console.error(err);
  code = 1;
} finally {
  await app?.stop();
  await engine.close();
  await closePool().catch(() => undefined);
  await stack.stop();
}
process.exit(code);
