// The local Inngest runner against the real `inngest` SDK: a real node HTTP server
// hosts an SDK serve handler (inngest/node), the runner drives it over HTTP, and
// events go in through the SDK's own send(). No mocks. Waits poll runs(), never sleep.
import { randomBytes } from "node:crypto";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Inngest, NonRetriableError, RetryAfterError } from "inngest";
import { serve } from "inngest/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CronError, nextCronTime, parseCron } from "../scripts/inngest-runner/cron";
import { parseRetryAfter, parseSleepTarget, parseTimeString } from "../scripts/inngest-runner/duration";
import { startInngestRunner, type InngestRunner, type RunView } from "../scripts/inngest-runner/index";
import { canonicalJson, hashedSigningKey, signatureHeader } from "../scripts/inngest-runner/signing";

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An HTTP server for an SDK handler that is attached later (its URL is needed first). */
interface AppServer {
  url: string;
  /** fnId/stepId of every call request the app received. */
  calls: { fnId: string | null; stepId: string | null }[];
  attach(handler: RequestListener): void;
  close(): Promise<void>;
}

async function startAppServer(): Promise<AppServer> {
  let handler: RequestListener | undefined;
  const calls: AppServer["calls"] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://app.invalid");
    if (req.method === "POST") calls.push({ fnId: url.searchParams.get("fnId"), stepId: url.searchParams.get("stepId") });
    if (handler) return handler(req, res);
    res.writeHead(503).end("app starting");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/inngest`,
    calls,
    attach: (h) => {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(20);
  }
}

const isDone = (r: RunView) => r.status === "completed" || r.status === "failed";

/** The finished run of `functionId` for the event with id `eventId`. */
function finishedRun(runner: InngestRunner, functionId: string, eventId: string): Promise<RunView> {
  return waitFor(`run of ${functionId} for event ${eventId}`, () =>
    runner.runs().find((r) => r.functionId === functionId && r.eventId === eventId && isDone(r)),
  );
}

let seq = 0;
const uniqueId = (prefix: string) => `${prefix}-${process.pid}-${Date.now()}-${++seq}`;

// The runner only runs signed: every call it makes carries the signing key's signature,
// and it only takes events sent with its event key (the SDK in cloud mode, as the platform runs it).
const keys = () => ({ signingKey: `signkey-test-${randomBytes(32).toString("hex")}`, eventKey: randomBytes(16).toString("hex") });

describe("runner <-> SDK over HTTP", () => {
  const { signingKey, eventKey } = keys();
  const APP = "runner-test";
  const fid = (id: string) => `${APP}-${id}`;
  const logs: string[] = [];
  const counters = new Map<string, number>();
  const bump = (key: string) => counters.set(key, (counters.get(key) ?? 0) + 1).get(key) ?? 0;
  const failures: { functionId: string; runId: string; message: string; originalEvent: string }[] = [];
  const retryAfterTimes: number[] = [];
  const tenantActive = new Map<string, number>();
  const tenantMax = new Map<string, number>();
  let overallActive = 0;
  let overallMax = 0;

  let app: AppServer;
  let runner: InngestRunner;
  let inngest: Inngest;

  beforeAll(async () => {
    app = await startAppServer();
    runner = await startInngestRunner({
      port: 0,
      appUrl: app.url,
      signingKey,
      eventKey,
      backoffBaseMs: 50,
      backoffMaxMs: 400,
      log: (line) => logs.push(line),
    });
    inngest = new Inngest({ id: APP, isDev: false, signingKey, eventKey, baseUrl: runner.url, logger: quiet });
    const onFailure = async ({ event, error }: { event: { data: { function_id: string; run_id: string; event: { name: string } } }; error: Error }) => {
      failures.push({ functionId: event.data.function_id, runId: event.data.run_id, message: error.message, originalEvent: event.data.event.name });
    };

    const functions = [
      inngest.createFunction({ id: "hello", triggers: [{ event: "test/hello" }] }, async ({ event }) => ({
        greeting: `hi ${String(event.data.name)}`,
      })),
      inngest.createFunction({ id: "memo", triggers: [{ event: "test/memo" }] }, async ({ event, step }) => {
        const key = String(event.data.key);
        const a = await step.run("a", () => bump(`${key}:a`) * 1);
        const b = await step.run("b", () => bump(`${key}:b`) * 10);
        const c = await step.run("c", () => bump(`${key}:c`) * 100);
        return a + b + c;
      }),
      inngest.createFunction({ id: "parallel", triggers: [{ event: "test/parallel" }] }, async ({ event, step }) => {
        const key = String(event.data.key);
        return Promise.all(["x", "y", "z"].map((id) => step.run(id, () => `${id}${bump(`${key}:${id}`)}`)));
      }),
      inngest.createFunction({ id: "flaky", retries: 3, triggers: [{ event: "test/flaky" }] }, async ({ event, step }) => {
        const key = String(event.data.key);
        const tries = await step.run("flaky-step", () => {
          const n = bump(`${key}:flaky`);
          if (n < 3) throw new Error(`transient failure ${n}`);
          return n;
        });
        return `ok after ${tries}`;
      }),
      inngest.createFunction({ id: "non-retriable", retries: 3, triggers: [{ event: "test/non-retriable" }], onFailure }, async ({ event, step }) => {
        await step.run("validate", () => {
          bump(`${String(event.data.key)}:validate`);
          throw new NonRetriableError("bad input, do not retry");
        });
        return "unreachable";
      }),
      inngest.createFunction({ id: "exhaust", retries: 2, triggers: [{ event: "test/exhaust" }], onFailure }, async ({ event }) => {
        bump(`${String(event.data.key)}:exhaust`);
        throw new Error("boom every time");
      }),
      inngest.createFunction({ id: "retry-after", retries: 1, triggers: [{ event: "test/retry-after" }] }, async ({ attempt }) => {
        retryAfterTimes.push(Date.now());
        if (attempt === 0) throw new RetryAfterError("slow down", "1s");
        return "retried";
      }),
      inngest.createFunction({ id: "sleeper", triggers: [{ event: "test/sleep" }] }, async ({ step }) => {
        const before = await step.run("before", () => Date.now());
        await step.sleep("nap", "1s");
        const after = await step.run("after", () => Date.now());
        return after - before;
      }),
      inngest.createFunction({ id: "yearly", triggers: [{ cron: "0 0 1 1 *" }] }, async ({ event }) => ({
        name: event.name,
        cron: (event.data as { cron?: string }).cron,
      })),
      inngest.createFunction(
        { id: "per-tenant", concurrency: { limit: 1, key: "event.data.tenant" }, triggers: [{ event: "test/tenant" }] },
        async ({ event, step }) =>
          step.run("work", async () => {
            const tenant = String(event.data.tenant);
            const n = (tenantActive.get(tenant) ?? 0) + 1;
            tenantActive.set(tenant, n);
            tenantMax.set(tenant, Math.max(tenantMax.get(tenant) ?? 0, n));
            overallMax = Math.max(overallMax, ++overallActive);
            await pause(400);
            tenantActive.set(tenant, (tenantActive.get(tenant) ?? 1) - 1);
            overallActive--;
            return tenant;
          }),
      ),
      inngest.createFunction({ id: "waits", triggers: [{ event: "test/wait" }] }, async ({ step }) => {
        await step.waitForEvent("wait-for-approval", { event: "test/approved", timeout: "1h" });
        return "unreachable";
      }),
      inngest.createFunction({ id: "sends", triggers: [{ event: "test/sends" }] }, async ({ event, step }) => {
        await step.sendEvent("fan-out", { name: "test/hello", id: String(event.data.childId), data: { name: "child" } });
        return "sent";
      }),
      inngest.createFunction(
        { id: "batched", batchEvents: { maxSize: 3, timeout: "1s", key: "event.data.group" }, retries: 2, triggers: [{ event: "test/batched" }] },
        async ({ event, events, attempt }) => {
          // A group named "flaky-*" fails its first attempt: the retry must get the same batch.
          if (String(event.data.group).startsWith("flaky") && attempt === 0) throw new Error("first attempt fails");
          return { first: event.id, ns: events.map((e) => Number(e.data.n)), attempt };
        },
      ),
      inngest.createFunction(
        { id: "batched-if", batchEvents: { maxSize: 2, timeout: "1s", if: "event.data.n > 1" }, triggers: [{ event: "test/batched-if" }] },
        async () => "unreachable",
      ),
      inngest.createFunction({ id: "throttled", throttle: { limit: 1, period: "1m" }, triggers: [{ event: "test/throttled" }] }, async () => "unreachable"),
      inngest.createFunction(
        { id: "bad-key", concurrency: { limit: 1, key: "event.data.a + event.data.b" }, triggers: [{ event: "test/bad-key" }] },
        async () => "unreachable",
      ),
    ];
    app.attach(serve({ client: inngest, functions }));
    const synced = await runner.sync();
    expect(synced).toMatchObject({ ok: true, status: 200 });
  });

  afterAll(async () => {
    await runner?.close();
    await app?.close();
  });

  it("syncs the app's functions, with the onFailure handlers and refusals", () => {
    const fns = runner.functions();
    const ids = fns.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining([fid("hello"), fid("memo"), fid("non-retriable-failure"), fid("exhaust-failure"), fid("yearly")]));
    expect(fns.find((f) => f.id === fid("hello"))).toMatchObject({ retries: 3, url: expect.stringContaining(app.url) });
    expect(fns.find((f) => f.id === fid("throttled"))?.refusal).toMatch(/unsupported option\(s\): throttle/);
    expect(fns.find((f) => f.id === fid("bad-key"))?.refusal).toMatch(/concurrency key "event\.data\.a \+ event\.data\.b" is not supported/);
    expect(fns.find((f) => f.id === fid("memo"))?.refusal).toBeUndefined();
    expect(logs.some((l) => l.includes(`function "${fid("throttled")}" refused`))).toBe(true);
  });

  describe("batchEvents", () => {
    const batchedRuns = (group: string) =>
      runner
        .runs()
        .filter((r) => r.functionId === fid("batched") && r.output && (r.output as { ns: number[] }).ns && r.eventIds.some((id) => id.startsWith(group)));

    it("starts one run when a batch is full, with every event in `events` and the first as `event`", async () => {
      const group = uniqueId("full");
      const ids = [1, 2, 3].map((n) => `${group}-${n}`);
      await inngest.send(ids.map((id, i) => ({ name: "test/batched", id, data: { group, n: i + 1 } })));
      const run = await finishedRun(runner, fid("batched"), ids[0]!);
      expect(run).toMatchObject({ status: "completed", attempts: 1, eventIds: ids, output: { first: ids[0], ns: [1, 2, 3] } });
      // Full at once: it did not wait for the timeout.
      expect(Date.parse(run.startedAt!) - Date.parse(run.queuedAt)).toBeLessThan(900);
    });

    it("starts a partial batch when its timeout expires, and keeps batch keys apart", async () => {
      const a = uniqueId("part-a");
      const b = uniqueId("part-b");
      const sentAt = Date.now();
      await inngest.send([
        { name: "test/batched", id: `${a}-1`, data: { group: a, n: 1 } },
        { name: "test/batched", id: `${b}-1`, data: { group: b, n: 10 } },
        { name: "test/batched", id: `${a}-2`, data: { group: a, n: 2 } },
      ]);
      const runA = await finishedRun(runner, fid("batched"), `${a}-1`);
      const runB = await finishedRun(runner, fid("batched"), `${b}-1`);
      expect(runA).toMatchObject({ status: "completed", eventIds: [`${a}-1`, `${a}-2`], output: { ns: [1, 2] } });
      expect(runB).toMatchObject({ status: "completed", eventIds: [`${b}-1`], output: { ns: [10] } });
      expect(Date.parse(runA.queuedAt) - sentAt).toBeGreaterThanOrEqual(900);
      expect(batchedRuns(a)).toHaveLength(1);
    });

    it("splits more events than maxSize into several runs, in order", async () => {
      const group = uniqueId("split");
      const ids = [1, 2, 3, 4].map((n) => `${group}-${n}`);
      await inngest.send(ids.map((id, i) => ({ name: "test/batched", id, data: { group, n: i + 1 } })));
      const first = await finishedRun(runner, fid("batched"), ids[0]!);
      const rest = await finishedRun(runner, fid("batched"), ids[3]!);
      expect(first.output).toMatchObject({ ns: [1, 2, 3] });
      expect(rest).toMatchObject({ eventIds: [ids[3]], output: { ns: [4] } });
    });

    it("retries a failed batched run with the same batch", async () => {
      const group = uniqueId("flaky");
      const ids = [1, 2, 3].map((n) => `${group}-${n}`);
      await inngest.send(ids.map((id, i) => ({ name: "test/batched", id, data: { group, n: i + 1 } })));
      const run = await finishedRun(runner, fid("batched"), ids[0]!);
      expect(run).toMatchObject({ status: "completed", attempts: 2, eventIds: ids, output: { ns: [1, 2, 3], attempt: 1 } });
    });

    it("refuses batch conditions it cannot evaluate", () => {
      expect(runner.functions().find((f) => f.id === fid("batched"))?.refusal).toBeUndefined();
      expect(runner.functions().find((f) => f.id === fid("batched-if"))?.refusal).toMatch(/batchEvents "if" expressions are not supported/);
    });
  });

  it("runs a function for an event sent with inngest.send() and records its output", async () => {
    const id = uniqueId("hello");
    const sent = await inngest.send({ name: "test/hello", id, data: { name: "Ada" } });
    expect(sent.ids).toHaveLength(1);
    const run = await finishedRun(runner, fid("hello"), id);
    expect(run).toMatchObject({ status: "completed", attempts: 1, eventName: "test/hello", output: { greeting: "hi Ada" } });
    expect(logs.some((l) => l.includes(`run ${run.id} started`))).toBe(true);
    expect(logs.some((l) => l.includes(`run ${run.id} completed`))).toBe(true);
    expect(logs.join("\n")).not.toContain("Ada"); // no payloads in logs
  });

  it("memoises step results: each step's side effect happens once", async () => {
    const key = uniqueId("memo");
    await inngest.send({ name: "test/memo", id: key, data: { key } });
    const run = await finishedRun(runner, fid("memo"), key);
    expect(run).toMatchObject({ status: "completed", output: 111 });
    expect([counters.get(`${key}:a`), counters.get(`${key}:b`), counters.get(`${key}:c`)]).toEqual([1, 1, 1]);
  });

  it("runs parallel steps (StepPlanned) in their own requests", async () => {
    const key = uniqueId("parallel");
    await inngest.send({ name: "test/parallel", id: key, data: { key } });
    const run = await finishedRun(runner, fid("parallel"), key);
    expect(run).toMatchObject({ status: "completed", output: ["x1", "y1", "z1"] });
    const stepRequests = app.calls.filter((c) => c.fnId === fid("parallel") && c.stepId !== "step");
    expect(stepRequests.length).toBeGreaterThanOrEqual(3);
  });

  it("retries a failing step with backoff until it succeeds", async () => {
    const key = uniqueId("flaky");
    await inngest.send({ name: "test/flaky", id: key, data: { key } });
    const run = await finishedRun(runner, fid("flaky"), key);
    expect(run).toMatchObject({ status: "completed", attempts: 3, output: "ok after 3" });
    expect(counters.get(`${key}:flaky`)).toBe(3);
    expect(logs.filter((l) => l.includes(`run ${run.id} retry`))).toHaveLength(2);
  });

  it("fails at once on NonRetriableError and calls onFailure with the error", async () => {
    const key = uniqueId("nonretriable");
    await inngest.send({ name: "test/non-retriable", id: key, data: { key } });
    const run = await finishedRun(runner, fid("non-retriable"), key);
    expect(run).toMatchObject({ status: "failed", attempts: 1, error: { message: "bad input, do not retry" } });
    expect(counters.get(`${key}:validate`)).toBe(1);
    const failure = await waitFor("onFailure call", () => failures.find((f) => f.runId === run.id));
    expect(failure).toEqual({ functionId: fid("non-retriable"), runId: run.id, message: "bad input, do not retry", originalEvent: "test/non-retriable" });
    const handlerRun = await waitFor("failure handler run", () =>
      runner
        .runs()
        .find(
          (r) =>
            r.functionId === fid("non-retriable-failure") &&
            r.status === "completed" &&
            r.eventName === "inngest/function.failed" &&
            failures.some((f) => f.runId === run.id),
        ),
    );
    expect(handlerRun.status).toBe("completed");
  });

  it("fails after the function's retries are used up and calls onFailure", async () => {
    const key = uniqueId("exhaust");
    await inngest.send({ name: "test/exhaust", id: key, data: { key } });
    const run = await finishedRun(runner, fid("exhaust"), key);
    expect(run).toMatchObject({ status: "failed", attempts: 3, error: { name: "Error", message: "boom every time" } });
    expect(counters.get(`${key}:exhaust`)).toBe(3);
    const failure = await waitFor("onFailure call", () => failures.find((f) => f.runId === run.id));
    expect(failure).toMatchObject({ functionId: fid("exhaust"), message: "boom every time" });
    expect(logs.some((l) => l.includes(`run ${run.id} failed after 3 attempt(s)`))).toBe(true);
  });

  it("honours Retry-After from the SDK (RetryAfterError)", async () => {
    const id = uniqueId("retry-after");
    retryAfterTimes.length = 0;
    await inngest.send({ name: "test/retry-after", id, data: {} });
    const run = await finishedRun(runner, fid("retry-after"), id);
    expect(run).toMatchObject({ status: "completed", attempts: 2, output: "retried" });
    expect(retryAfterTimes).toHaveLength(2);
    // backoff alone would be 50 ms; the SDK asked for 1 s
    expect((retryAfterTimes[1] ?? 0) - (retryAfterTimes[0] ?? 0)).toBeGreaterThanOrEqual(950);
    expect(logs.some((l) => l.includes(`run ${run.id} retry 1/1`) && l.includes("Retry-After"))).toBe(true);
  });

  it("resumes after step.sleep", async () => {
    const id = uniqueId("sleep");
    await inngest.send({ name: "test/sleep", id, data: {} });
    await waitFor("sleeping status", () => runner.runs().find((r) => r.eventId === id && r.status === "sleeping"));
    const run = await finishedRun(runner, fid("sleeper"), id);
    expect(run.status).toBe("completed");
    expect(run.output).toBeGreaterThanOrEqual(950);
  });

  it("fires cron functions with an inngest/scheduled.timer event", async () => {
    const nextNewYear = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1, 0, 0, 30));
    runner.tick(new Date(nextNewYear.getTime() - 60_000)); // not due yet
    expect(runner.runs().some((r) => r.functionId === fid("yearly"))).toBe(false);
    runner.tick(nextNewYear);
    const run = await waitFor("cron run", () => runner.runs().find((r) => r.functionId === fid("yearly") && isDone(r)));
    expect(run).toMatchObject({ status: "completed", eventName: "inngest/scheduled.timer", output: { name: "inngest/scheduled.timer", cron: "0 0 1 1 *" } });
    runner.tick(nextNewYear); // fired once for that slot
    expect(runner.runs().filter((r) => r.functionId === fid("yearly"))).toHaveLength(1);
  });

  it("serialises runs with the same concurrency key and runs other keys in parallel", async () => {
    const [a1, a2, b1] = [uniqueId("a1"), uniqueId("a2"), uniqueId("b1")];
    const [ta, tb] = [uniqueId("tenant-a"), uniqueId("tenant-b")];
    await inngest.send([
      { name: "test/tenant", id: a1, data: { tenant: ta } },
      { name: "test/tenant", id: a2, data: { tenant: ta } },
      { name: "test/tenant", id: b1, data: { tenant: tb } },
    ]);
    await waitFor("a queued run", () => runner.runs().find((r) => r.eventId === a2 && r.status === "queued"));
    const [ra1, ra2, rb1] = await Promise.all([a1, a2, b1].map((id) => finishedRun(runner, fid("per-tenant"), id)));
    expect([ra1?.status, ra2?.status, rb1?.status]).toEqual(["completed", "completed", "completed"]);
    expect(tenantMax.get(ta)).toBe(1);
    expect(tenantMax.get(tb)).toBe(1);
    expect(overallMax).toBeGreaterThanOrEqual(2); // tenant b ran alongside tenant a
    expect(Date.parse(ra2?.startedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(ra1?.endedAt ?? ""));
  });

  it("fails a run that uses an unsupported op (step.waitForEvent) with a clear message", async () => {
    const id = uniqueId("wait");
    await inngest.send({ name: "test/wait", id, data: {} });
    const run = await finishedRun(runner, fid("waits"), id);
    expect(run.status).toBe("failed");
    expect(run.attempts).toBe(1);
    expect(run.error?.message).toMatch(/step\.waitForEvent \(step "wait-for-approval", op WaitForEvent\) is not supported by the local Inngest runner/);
    expect(logs.some((l) => l.includes(`run ${run.id} failed`) && l.includes("WaitForEvent"))).toBe(true);
  });

  it("fails runs of refused functions with the refusal", async () => {
    const id = uniqueId("throttled");
    await inngest.send({ name: "test/throttled", id, data: {} });
    const run = await finishedRun(runner, fid("throttled"), id);
    expect(run).toMatchObject({ status: "failed", error: { name: "UnsupportedByLocalRunner" } });
    expect(run.error?.message).toContain("throttle");
  });

  it("delivers events sent from a step (step.sendEvent)", async () => {
    const id = uniqueId("sends");
    const childId = uniqueId("child");
    await inngest.send({ name: "test/sends", id, data: { childId } });
    expect(await finishedRun(runner, fid("sends"), id)).toMatchObject({ status: "completed", output: "sent" });
    expect(await finishedRun(runner, fid("hello"), childId)).toMatchObject({ status: "completed", output: { greeting: "hi child" } });
  });

  it("de-duplicates events by id", async () => {
    const id = uniqueId("dup");
    const first = await inngest.send({ name: "test/hello", id, data: { name: "once" } });
    const second = await inngest.send([{ name: "test/hello", id, data: { name: "twice" } }]);
    expect(second.ids).toEqual(first.ids);
    await finishedRun(runner, fid("hello"), id);
    expect(runner.runs().filter((r) => r.eventId === id)).toHaveLength(1);
  });

  it("answers malformed input with a 400 JSON error and serves the inspection API", async () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(runner.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as { error?: string; status?: number },
      }));
    const noName = await post(`/e/${eventKey}`, JSON.stringify({ data: { x: 1 } }));
    expect(noName.status).toBe(400);
    expect(noName.json.error).toMatch(/invalid event payload/);
    expect((await post(`/e/${eventKey}`, "{not json")).json).toMatchObject({ status: 400, error: expect.stringMatching(/not valid JSON/) });
    expect((await post(`/e/${eventKey}`, JSON.stringify({ name: "x", data: "str" }))).status).toBe(400);
    // Registration is authenticated with the SDK's bearer for the signing key, then parsed.
    expect((await post("/fn/register", JSON.stringify({ appName: "x" }))).status).toBe(401);
    const bearer = { authorization: `Bearer ${hashedSigningKey(signingKey)}` };
    expect((await post("/fn/register", JSON.stringify({ appName: "x" }), bearer)).json).toMatchObject({
      status: 400,
      error: expect.stringMatching(/invalid registration/),
    });
    // Events need the event key: any other is refused before the body is read.
    expect(await post("/e/any", JSON.stringify({ name: "x", data: {} }))).toEqual({ status: 401, json: { error: "Event key not found", status: 401 } });

    expect((await fetch(`${runner.url}/health`)).status).toBe(200);
    const runs = (await (await fetch(`${runner.url}/runs`)).json()) as { runs: RunView[] };
    const some = runs.runs[0];
    expect(some).toBeDefined();
    expect(await (await fetch(`${runner.url}/runs/${some?.id}`)).json()).toMatchObject({ id: some?.id, functionId: some?.functionId });
    expect((await fetch(`${runner.url}/runs/nope`)).status).toBe(404);
    expect((await fetch(`${runner.url}/runs`, { method: "DELETE" })).status).toBe(405);
  });
});

describe("signing and event keys (SDK in cloud mode)", () => {
  const SIGNING_KEY = `signkey-test-${"a1b2c3d4".repeat(8)}`;
  const OTHER_KEY = `signkey-test-${"0f".repeat(32)}`;
  const EVENT_KEY = "local-event-key";
  let app: AppServer;
  let runner: InngestRunner;
  let inngest: Inngest;

  beforeAll(async () => {
    app = await startAppServer();
    runner = await startInngestRunner({ port: 0, appUrl: app.url, signingKey: SIGNING_KEY, eventKey: EVENT_KEY, backoffBaseMs: 50, log: () => {} });
    inngest = new Inngest({ id: "signed-app", isDev: false, signingKey: SIGNING_KEY, eventKey: EVENT_KEY, baseUrl: runner.url, logger: quiet });
    const fn = inngest.createFunction({ id: "hello", triggers: [{ event: "signed/hello" }] }, async ({ event, step }) => {
      const doubled = await step.run("double", () => Number(event.data.n) * 2);
      return { doubled };
    });
    app.attach(serve({ client: inngest, functions: [fn] }));
    expect(await runner.sync()).toMatchObject({ ok: true, status: 200 });
  });

  afterAll(async () => {
    await runner?.close();
    await app?.close();
  });

  it("signs call requests so a cloud-mode SDK accepts them", async () => {
    const id = uniqueId("signed");
    await inngest.send({ name: "signed/hello", id, data: { n: 21 } });
    const run = await finishedRun(runner, "signed-app-hello", id);
    expect(run).toMatchObject({ status: "completed", attempts: 1, output: { doubled: 42 } });
  });

  it("the SDK rejects calls that are unsigned or signed with another key", async () => {
    const body = canonicalJson({
      event: { name: "signed/hello", data: { n: 1 }, id: "x", ts: Date.now() },
      events: [{ name: "signed/hello", data: { n: 1 }, id: "x", ts: Date.now() }],
      steps: {},
      ctx: { run_id: "01TEST", attempt: 0, disable_immediate_execution: false, use_api: false, stack: { stack: [], current: 0 } },
    });
    const call = (signature?: string) =>
      fetch(`${app.url}?fnId=signed-app-hello&stepId=step`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(signature ? { "x-inngest-signature": signature } : {}) },
        body,
      }).then((r) => r.status);
    expect(await call()).toBe(401);
    expect(await call(signatureHeader(body, OTHER_KEY))).toBe(401);
    expect(await call(signatureHeader(body, SIGNING_KEY))).toBe(206); // same body, right key: accepted
  });

  it("refuses a sync from an app whose signing key differs", async () => {
    const otherApp = await startAppServer();
    const otherRunner = await startInngestRunner({ port: 0, appUrl: otherApp.url, signingKey: SIGNING_KEY, eventKey: EVENT_KEY, log: () => {} });
    try {
      const client = new Inngest({ id: "wrong-key-app", isDev: false, signingKey: OTHER_KEY, baseUrl: otherRunner.url, logger: quiet });
      const fn = client.createFunction({ id: "noop", triggers: [{ event: "x/y" }] }, async () => null);
      otherApp.attach(serve({ client, functions: [fn] }));
      const result = await otherRunner.sync();
      expect(result.ok).toBe(false);
      expect(result.status).toBe(401);
      expect(result.message).toMatch(/signing key does not match/);
      expect(otherRunner.functions()).toHaveLength(0);
    } finally {
      await otherRunner.close();
      await otherApp.close();
    }
  });

  it("will not start without a signing key and an event key", async () => {
    const unsigned = { port: 0, log: () => {} } as unknown as Parameters<typeof startInngestRunner>[0];
    await expect(startInngestRunner(unsigned)).rejects.toThrow(/a signing key is required/);
    await expect(startInngestRunner({ ...unsigned, signingKey: SIGNING_KEY } as typeof unsigned)).rejects.toThrow(/an event key is required/);
  });

  it("requires the event key when started with one", async () => {
    const post = (key: string) =>
      fetch(`${runner.url}/e/${key}`, { method: "POST", body: JSON.stringify([{ name: "signed/other", data: {} }]) }).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as unknown,
      }));
    expect(await post("wrong-key")).toEqual({ status: 401, json: { error: "Event key not found", status: 401 } });
    expect(await post(EVENT_KEY)).toMatchObject({ status: 200, json: { status: 200, ids: [expect.any(String)] } });
  });

  it("rejects /fn/register without the hashed signing key as bearer", async () => {
    const res = await fetch(`${runner.url}/fn/register`, {
      method: "POST",
      headers: { authorization: `Bearer ${hashedSigningKey(OTHER_KEY)}` },
      body: JSON.stringify({ url: app.url, appName: "intruder", functions: [] }),
    });
    expect(res.status).toBe(401);
  });
});

describe("cron parser", () => {
  const next = (expr: string, after: string) => nextCronTime(parseCron(expr), new Date(after)).toISOString();

  it("computes the next fire time in UTC", () => {
    expect(next("*/5 * * * *", "2024-03-10T12:03:30Z")).toBe("2024-03-10T12:05:00.000Z");
    expect(next("*/5 * * * *", "2024-03-10T12:05:00Z")).toBe("2024-03-10T12:10:00.000Z");
    expect(next("0 9 * * 1-5", "2024-03-09T10:00:00Z")).toBe("2024-03-11T09:00:00.000Z"); // Saturday -> Monday
    expect(next("10-30/10 1 * * *", "2024-03-10T01:20:00Z")).toBe("2024-03-10T01:30:00.000Z");
    expect(next("0 0 * jan,JUL sun", "2024-02-01T00:00:00Z")).toBe("2024-07-07T00:00:00.000Z");
    expect(next("0 0 29 2 *", "2025-01-01T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
    expect(next("@hourly", "2024-03-10T12:03:00Z")).toBe("2024-03-10T13:00:00.000Z");
    expect(next("TZ=UTC 30 23 31 12 *", "2024-06-01T00:00:00Z")).toBe("2024-12-31T23:30:00.000Z");
    expect(next("0 0 * * 7", "2024-03-10T00:00:00Z")).toBe("2024-03-17T00:00:00.000Z"); // 7 = Sunday
  });

  it("matches either day field when both are restricted (standard cron)", () => {
    expect(next("0 0 13 * 5", "2024-03-02T00:00:00Z")).toBe("2024-03-08T00:00:00.000Z"); // Friday
    expect(next("0 0 13 * 5", "2024-03-09T00:00:00Z")).toBe("2024-03-13T00:00:00.000Z"); // the 13th
  });

  it("rejects bad expressions and non-UTC time zones", () => {
    expect(() => parseCron("* * * *")).toThrow(/expected 5 fields/);
    expect(() => parseCron("60 * * * *")).toThrow(/minute 60 is outside/);
    expect(() => parseCron("5-1 * * * *")).toThrow(/runs backwards/);
    expect(() => parseCron("*/0 * * * *")).toThrow(/invalid step/);
    expect(() => parseCron("0 0 30 2 *")).toThrow(/never fires/);
    expect(() => parseCron("TZ=Europe/Paris 0 0 * * *")).toThrow(CronError);
    expect(() => parseCron("TZ=Europe/Paris 0 0 * * *")).toThrow(/UTC only/);
  });
});

describe("durations", () => {
  it("parses time strings, sleep targets and Retry-After", () => {
    expect(parseTimeString("1s")).toBe(1000);
    expect(parseTimeString("2h45m")).toBe(9_900_000);
    expect(parseTimeString("300ms")).toBe(300);
    expect(parseTimeString("1.5s")).toBe(1500);
    expect(parseTimeString("1w")).toBe(604_800_000);
    expect(parseTimeString("soon")).toBeUndefined();
    expect(parseTimeString("1s junk")).toBeUndefined();
    const now = Date.parse("2024-01-01T00:00:00Z");
    expect(parseSleepTarget("2m", now)).toBe(now + 120_000);
    expect(parseSleepTarget("2024-01-02T00:00:00.000Z", now)).toBe(now + 86_400_000);
    expect(parseSleepTarget("tomorrow", now)).toBeUndefined();
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Mon, 01 Jan 2024 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("2024-01-01T00:00:05Z", now)).toBe(5000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("canonicalises JSON the way the SDK verifies signatures (sorted keys)", () => {
    expect(canonicalJson({ b: 1, a: [3, { d: null, c: "x" }], u: undefined })).toBe('{"a":[3,{"c":"x","d":null}],"b":1}');
  });
});
