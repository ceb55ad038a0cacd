// OpenTelemetry traces from the real production server (scripts/start.mjs after
// `next build`), to a local OTLP/HTTP receiver this spec starts (./otlp-receiver.ts).
// Its own servers, on free ports: one traced (OTEL_EXPORTER_OTLP_ENDPOINT set) with a
// local Inngest runner and a fake external API, one untraced. Both record which
// OpenTelemetry SDK modules they load (fixtures/record-modules.mjs): with tracing off
// none may load. Then the collector goes away and requests must not notice.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "@playwright/test";
import { systemContext } from "@/lib/audit/context";
import { createIntegration } from "@/lib/integrations/integrations";
import { freePort } from "../scripts/lib/free-port";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "./otlp-receiver";
import { apiPassword, freshTenant } from "./support";

const recorder = pathToFileURL(resolve("e2e/fixtures/record-modules.mjs")).href;

interface Instance {
  child: ChildProcess;
  port: number;
  output: string[];
  modulesFile: string;
}

function stop(child: ChildProcess | undefined): void {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
}

async function waitFor(url: string): Promise<void> {
  await expect
    .poll(
      () =>
        fetch(url).then(
          (r) => r.status,
          () => 0,
        ),
      { timeout: 90_000, intervals: [500] },
    )
    .toBe(200);
}

function startApp(port: number, env: Record<string, string>): Instance {
  const modulesFile = join(tmpdir(), `tracing-modules-${randomBytes(6).toString("hex")}.txt`);
  const output: string[] = [];
  const child = spawn(process.execPath, ["scripts/start.mjs", "-p", String(port), "-H", "127.0.0.1"], {
    env: {
      ...process.env,
      WEB_CONCURRENCY: "1",
      REDIS_TIMEOUT_MS: "3000",
      RATELIMIT_TIMEOUT_MS: "3000",
      NODE_OPTIONS: `--import ${recorder}`,
      RECORD_MODULES_FILE: modulesFile,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const keep = (chunk: Buffer) => output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, port, output, modulesFile };
}

const loaded = (i: Instance) => (existsSync(i.modulesFile) ? readFileSync(i.modulesFile, "utf8").split("\n").filter(Boolean) : []);

test.describe.serial("traces over OTLP", () => {
  let receiver: OtlpReceiver;
  let traced: Instance;
  let untraced: Instance;
  let runner: ChildProcess | undefined;
  let api: Server | undefined;
  let apiPort = 0;
  let slug = "";
  let token = "";

  const call = (i: Instance, path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`http://127.0.0.1:${i.port}${path}`, {
      method: init.method ?? "GET",
      headers: {
        "x-tenant-id": slug,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  /** The spans of the trace that holds a span matching `find`, once `ready` says all expected ones arrived. */
  async function traceOf(find: (s: ReceivedSpan) => boolean, ready: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
    let spans: ReceivedSpan[] = [];
    await expect
      .poll(
        () => {
          const anchor = receiver.spans.find(find);
          spans = anchor ? receiver.spans.filter((s) => s.traceId === anchor.traceId) : [];
          // Whole: a parent ends (and is exported) after its children, often in a later batch.
          const ids = new Set(spans.map((s) => s.spanId));
          const whole = spans.every((s) => s.parentSpanId === null || ids.has(s.parentSpanId));
          return anchor !== undefined && whole && ready(spans);
        },
        { timeout: 30_000, intervals: [500] },
      )
      .toBe(true);
    return spans;
  }

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    receiver = await startOtlpReceiver();
    const [appPort, plainPort, runnerPort] = [await freePort(), await freePort(), await freePort()];
    apiPort = await freePort();
    // The fake external API a rest integration syncs from.
    api = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ data: [{ id: "r1", name: "Alice" }], next_cursor: null }));
    });
    await new Promise<void>((done) => api!.listen(apiPort, "127.0.0.1", done));

    const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
    const eventKey = randomBytes(16).toString("hex");
    runner = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/inngest-runner.ts"], {
      env: {
        ...process.env,
        INNGEST_RUNNER_PORT: String(runnerPort),
        INNGEST_RUNNER_APP_URL: `http://127.0.0.1:${appPort}/api/inngest`,
        INNGEST_SIGNING_KEY: signingKey,
        INNGEST_EVENT_KEY: eventKey,
        INNGEST_RUNNER_BACKOFF_MS: "250",
      },
      stdio: "ignore",
      detached: true,
    });
    traced = startApp(appPort, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "platform-e2e",
      OTEL_EXPORTER_OTLP_TIMEOUT: "1000",
      INNGEST_BASE_URL: `http://127.0.0.1:${runnerPort}`,
      INNGEST_SIGNING_KEY: signingKey,
      INNGEST_EVENT_KEY: eventKey,
      INTEGRATIONS_ALLOWED_HOSTS: `127.0.0.1:${apiPort}`,
    });
    untraced = startApp(plainPort, { INNGEST_BASE_URL: "http://127.0.0.1:9", OTEL_EXPORTER_OTLP_ENDPOINT: "" });
    await Promise.all([
      waitFor(`http://127.0.0.1:${appPort}/api/health`),
      waitFor(`http://127.0.0.1:${plainPort}/api/health`),
      waitFor(`http://127.0.0.1:${runnerPort}/health`),
    ]);
    slug = await freshTenant("trace");
    const res = await call(traced, "/api/v1/auth/token", { method: "POST", body: { email: `owner@${slug}.test`, password: apiPassword } });
    expect(res.status).toBe(200);
    token = ((await res.json()) as { access_token: string }).access_token;
  });

  test.afterAll(async () => {
    stop(traced?.child);
    stop(untraced?.child);
    stop(runner);
    await new Promise<void>((done) => (api ? api.close(() => done()) : done()));
    await receiver?.close();
    for (const i of [traced, untraced]) if (i) rmSync(i.modulesFile, { force: true });
  });

  test("an API request's spans arrive: the request, the principal check, its queries and Redis calls, with tenant and request id", async () => {
    const res = await call(traced, "/api/v1/users?limit=5");
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    const isPg = (s: ReceivedSpan) => s.attributes["db.system"] === "postgresql" || s.attributes["db.system.name"] === "postgresql";
    const isRedis = (s: ReceivedSpan) => s.attributes["db.system"] === "redis" || s.attributes["db.system.name"] === "redis";
    const spans = await traceOf(
      (s) => s.name === "principal.check" && s.attributes["request.id"] === requestId,
      (all) => all.some(isPg) && all.some(isRedis) && all.some((s) => s.parentSpanId === null),
    );
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(["platform-e2e"]));
    const root = spans.find((s) => s.parentSpanId === null)!;
    expect(root.scope).toBe("next.js");
    // Next's own span for the whole request.
    expect(root.attributes).toMatchObject({ "http.method": "GET", "http.target": "/api/v1/users?limit=5", "http.status_code": 200 });
    const check = spans.find((s) => s.name === "principal.check")!;
    expect(check.attributes).toMatchObject({ tenant: slug, "request.id": requestId, "principal.type": "user", "principal.permission": "members:read" });
    // Every query and Redis command of the request is there, naming the tenant and the request.
    for (const s of [...spans.filter(isPg), ...spans.filter(isRedis)])
      expect(s.attributes, JSON.stringify(s)).toMatchObject({ tenant: slug, "request.id": requestId });
    // Statements are recorded, their parameters are not.
    expect(spans.filter(isPg).some((s) => /select/i.test(String(s.attributes["db.statement"] ?? s.attributes["db.query.text"] ?? "")))).toBe(true);
    expect(spans.filter(isPg).every((s) => s.attributes["db.postgresql.values"] === undefined)).toBe(true);
    // Parent links hold together: every span but the root has its parent in the trace.
    const ids = new Set(spans.map((s) => s.spanId));
    expect(spans.filter((s) => s.parentSpanId !== null && !ids.has(s.parentSpanId))).toEqual([]);
  });

  test("a sync's workflow steps and its outbound call are traced, under the tenant", async () => {
    const { integration } = await createIntegration(
      slug,
      { name: "Traced CRM", kind: "rest", settings: { baseUrl: `http://127.0.0.1:${apiPort}`, sync: { path: "/records" } } },
      systemContext("e2e setup"),
    );
    const res = await call(traced, `/api/v1/integrations/${integration.id}/sync`, { method: "POST", body: {} });
    expect(res.status).toBe(202);
    const spans = await traceOf(
      (s) => s.name.startsWith("outbound ") && s.attributes["integration.id"] === integration.id,
      (all) => all.some((s) => s.name.startsWith("workflow.step ")),
    );
    const outbound = spans.find((s) => s.name === "outbound GET")!;
    expect(outbound.attributes).toMatchObject({ tenant: slug, "http.request.method": "GET", "http.response.status_code": 200, "outbound.attempts": 1 });
    expect(outbound.attributes["url.full"]).toBe(`http://127.0.0.1:${apiPort}/records`);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    let step = outbound.parentSpanId ? byId.get(outbound.parentSpanId) : undefined;
    while (step && !step.name.startsWith("workflow.step ")) step = step.parentSpanId ? byId.get(step.parentSpanId) : undefined;
    expect(step, "the outbound call runs inside a workflow step span").toBeDefined();
    expect(step!.attributes).toMatchObject({ tenant: slug, "workflow.function": "sync-integration", "workflow.attempt": 0 });
    expect(String(step!.attributes["workflow.run_id"])).not.toBe("");
    // The step's own queries carry the tenant too.
    const stepQueries = spans.filter((s) => s.parentSpanId === step!.spanId && (s.attributes["db.system"] ?? s.attributes["db.system.name"]) === "postgresql");
    expect(stepQueries.length).toBeGreaterThan(0);
    for (const q of stepQueries) expect(q.attributes.tenant).toBe(slug);
  });

  test("with OTEL_EXPORTER_OTLP_ENDPOINT unset, no OpenTelemetry SDK module is loaded (with it set, they are)", async () => {
    for (let i = 0; i < 3; i++) expect((await call(untraced, "/api/v1/users?limit=5")).status).toBe(200);
    expect(loaded(untraced)).toEqual([]);
    const tracedModules = loaded(traced);
    expect(tracedModules.some((p) => p.includes("@opentelemetry/sdk-node"))).toBe(true);
    expect(tracedModules.some((p) => p.includes("@opentelemetry/instrumentation-pg"))).toBe(true);
  });

  test("with the collector gone, requests still answer and nothing is logged per request", async () => {
    await receiver.close();
    const before = traced.output.length;
    for (let i = 0; i < 20; i++) expect((await call(traced, "/api/v1/users?limit=5")).status).toBe(200);
    // The batch exporter tries (and fails) within a second or two; give it that time.
    await new Promise((r) => setTimeout(r, 3_000));
    const lines = traced.output.slice(before);
    expect(lines.filter((l) => /export|otlp|ECONNREFUSED/i.test(l))).toEqual([]);
  });
});
