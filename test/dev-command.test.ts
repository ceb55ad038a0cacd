// `npm run dev` end to end: the dev stack comes up on the given database, seeds the
// demo tenants, starts its own Upstash bridge and `next dev`, serves each tenant's
// page, and shuts everything down on SIGTERM. Also, from outside the stack:
//   - next dev listens on loopback only, /api/inngest refuses a crafted unsigned call,
//     and the runner refuses events with the wrong key (issue 13, finding 1);
//   - the CLIs work beside it with no variables set (they read .data/dev-env.json).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { createServer, Socket } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { freePort } from "../scripts/lib/free-port";
import { repoRoot, type ScriptResult } from "./support/cli";
import { uniqueSlug } from "./support/tenants";

/** Everything a CLI could take from the dev stack's file: none of it is in the CLI's environment. */
const stackVariables = [
  "DATABASE_URL",
  "REDIS_URL",
  "REDIS_KEY_PREFIX",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "AUTH_SECRET",
  "AUTH_JWT_KEYS",
  "ENCRYPTION_KEYS",
  "INNGEST_BASE_URL",
  "INNGEST_SIGNING_KEY",
  "INNGEST_EVENT_KEY",
];

/** Runs a CLI as an operator would in another terminal: only DEV_DATA_DIR says where the dev stack is. */
function runCliBeside(dataDir: string, script: string, args: string[]): Promise<ScriptResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, DEV_DATA_DIR: dataDir };
  for (const name of stackVariables) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(repoRoot, "node_modules/.bin/tsx"), [script, ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(2_000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.connect(port, host);
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once("error", () => resolve(false))
      .listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** GET `path` with a chosen Host header (fetch does not let a caller set Host). */
function get(port: number, host: string, path = "/", headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, headers: { host, ...headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end();
  });
}

let child: ChildProcess | undefined;
afterAll(async () => {
  // The whole process group: tsx, next dev and its workers.
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  await closePool();
});

describe("npm run dev", () => {
  it("serves acme and globex with their own names, and stops cleanly", { timeout: 300_000 }, async () => {
    const [port, bridgePort, runnerPort, smtpPort, mailPagePort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    // Its own data directory, so the test never touches a developer's .data/.
    const dataDir = mkdtempSync(path.join(tmpdir(), "dev-command-"));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      REDIS_BRIDGE_PORT: String(bridgePort),
      INNGEST_RUNNER_PORT: String(runnerPort),
      DEV_DATA_DIR: dataDir,
      MAIL_CATCHER_SMTP_PORT: String(smtpPort),
      MAIL_CATCHER_HTTP_PORT: String(mailPagePort),
    };
    // The dev stack starts its own workflow runner when no engine is configured, and
    // generates the secrets it needs (the engine's keys included) into DEV_DATA_DIR.
    for (const name of [
      "INNGEST_BASE_URL",
      "INNGEST_SIGNING_KEY",
      "INNGEST_EVENT_KEY",
      "AUTH_SECRET",
      "ENCRYPTION_KEYS",
      "AUTH_JWT_KEYS",
      "HOST",
      "SMTP_URL",
      "MAIL_CATCHER_URL",
      "METRICS_TOKEN",
      "LOG_FORMAT",
    ])
      delete env[name];
    // The dev stack starts its own bridge in front of REDIS_URL.
    delete env.UPSTASH_REDIS_REST_URL;
    delete env.UPSTASH_REDIS_REST_TOKEN;
    const dev = spawn(path.join(repoRoot, "node_modules/.bin/tsx"), ["scripts/dev.ts"], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child = dev;
    let output = "";
    dev.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    dev.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    const exited = new Promise<number | null>((resolve) => dev.on("exit", (code) => resolve(code)));

    const deadline = Date.now() + 120_000;
    while (!/Ready in/.test(output)) {
      if (Date.now() > deadline || dev.exitCode !== null) throw new Error(`npm run dev did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(output).toMatch(/✔ database\s+.*\(from DATABASE_URL\)/);
    expect(output).toMatch(new RegExp(`✔ redis\\s+.*Upstash REST bridge at http://127\\.0\\.0\\.1:${bridgePort}`));
    expect(output).toMatch(/✔ demo tenants\s+acme, globex/);
    expect(output).toContain(`http://acme.localhost:${port}`);
    expect(output).toMatch(new RegExp(`✔ workflows\\s+local Inngest runner at http://127\\.0\\.0\\.1:${runnerPort}`));
    // With no SMTP_URL, mail goes to a local catcher whose page the banner links to.
    expect(output).toMatch(new RegExp(`✔ mail\\s+SMTP catcher at smtp://127\\.0\\.0\\.1:${smtpPort}, caught mail at http://127\\.0\\.0\\.1:${mailPagePort}`));
    expect(output).toContain(`Mail:      http://127.0.0.1:${mailPagePort}`);
    const mailPage = await fetch(`http://127.0.0.1:${mailPagePort}/`);
    expect(mailPage.status).toBe(200);
    expect(await mailPage.text()).toContain("Caught mail");

    const page = async (host: string) => {
      // The first request compiles the page; retry while the dev server is busy with that.
      for (let attempt = 1; ; attempt++) {
        try {
          return await get(port, `${host}:${port}`);
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 2_000));
        }
      }
    };
    const acme = await page("acme.localhost");
    expect(acme.status).toBe(200);
    expect(acme.body).toContain('data-testid="tenant-name">Acme Inc<');
    expect(acme.body).not.toContain("Globex");
    const globex = await page("globex.localhost");
    expect(globex.body).toContain('data-testid="tenant-name">Globex Corporation<');
    expect((await page("no-such-tenant.localhost")).status).toBe(404);

    // The client address is the socket's, as under `npm start` (the same launcher): a
    // spoofed X-Forwarded-For or x-platform-peer reaches neither limits nor audit rows.
    const requestId = `dev-peer-${Date.now()}`;
    const signIn = await fetch(`http://127.0.0.1:${port}/api/v1/auth/token`, {
      method: "POST",
      headers: {
        "x-tenant-id": "acme",
        "content-type": "application/json",
        "x-request-id": requestId,
        "x-forwarded-for": "198.51.100.77",
        "x-platform-peer": "192.0.2.77",
      },
      body: JSON.stringify({ email: "nobody@acme.test", password: "not-the-password" }),
    });
    expect(signIn.status).toBe(401);
    const failed = await tenantDb("acme").auditLog.findFirst({ where: { requestId, action: "auth.sign_in_failed" } });
    expect(failed?.ip).toBe("127.0.0.1");

    // A method the route does not export: the launcher's 405 problem under `next dev` too.
    const notAllowed = await fetch(`http://127.0.0.1:${port}/api/v1/tenant/domains/primary`, { method: "POST", headers: { "x-tenant-id": "acme" } });
    expect([notAllowed.status, notAllowed.headers.get("content-type"), notAllowed.headers.get("allow")]).toEqual([
      405,
      "application/problem+json",
      "DELETE, GET, HEAD, OPTIONS",
    ]);
    expect(await notAllowed.json()).toMatchObject({ title: "Method Not Allowed", status: 405, requestId: notAllowed.headers.get("x-request-id") });

    // The runner syncs the app's functions from /api/inngest (retrying while next dev compiles it).
    const functionIds = async (): Promise<string[]> => {
      const res = await fetch(`http://127.0.0.1:${runnerPort}/functions`).catch(() => null);
      return res?.ok ? ((await res.json()) as { functions: { id: string }[] }).functions.map((f) => f.id) : [];
    };
    const syncDeadline = Date.now() + 90_000;
    while (!(await functionIds()).some((id) => id.endsWith("process-webhook"))) {
      if (Date.now() > syncDeadline) throw new Error(`the runner never synced the app's functions:\n${output}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }

    // ---- finding 1: loopback only, signed engine calls, checked event key
    const secrets = JSON.parse(readFileSync(path.join(dataDir, "dev-secrets.json"), "utf8")) as Record<string, string>;
    expect(secrets.INNGEST_SIGNING_KEY).toMatch(/^signkey-dev-[0-9a-f]{64}$/);
    expect(secrets.INNGEST_EVENT_KEY).toMatch(/^[0-9a-f]{32,}$/);

    // ---- metrics: a generated token, the URL printed, the endpoint on the platform's host only
    expect(secrets.METRICS_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(output).toContain(`Metrics:   http://localhost:${port}/api/metrics`);
    expect(output).not.toContain(secrets.METRICS_TOKEN);
    const metrics = await get(port, `localhost:${port}`, "/api/metrics", { authorization: `Bearer ${secrets.METRICS_TOKEN}` });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain("platform_http_requests_total");
    expect((await get(port, `localhost:${port}`, "/api/metrics")).status).toBe(401);
    expect((await get(port, `acme.localhost:${port}`, "/api/metrics", { authorization: `Bearer ${secrets.METRICS_TOKEN}` })).status).toBe(404);
    // Pretty log lines under npm run dev (pino-pretty), not JSON; only the Edge
    // middleware's own lines (the 404 above) stay JSON, as the Edge has no pino.
    expect(output).toMatch(/INFO.*request/);
    const jsonAccess = output.split("\n").filter((l) => l.includes('"msg":"request"'));
    expect(jsonAccess.length).toBeGreaterThan(0);
    for (const line of jsonAccess) expect(line).toContain('"route":"(middleware)"');
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === "IPv4")
      .map((a) => a!.address);
    for (const address of external) expect(await accepts(address, port), `next dev reachable on ${address}`).toBe(false);
    expect(await accepts("127.0.0.1", port)).toBe(true);

    const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    const globexRuns = async () => Number((await db.query(`SELECT count(*)::int AS n FROM tenant_globex.sync_runs`)).rows[0].n);
    const globexIntegration = randomUUID();
    const runsBefore = await globexRuns();
    const event = {
      name: "integration/sync.requested",
      data: { tenant: "globex", integrationId: globexIntegration, trigger: "manual" },
      id: randomUUID(),
      ts: Date.now(),
    };
    const crafted = await fetch(`http://127.0.0.1:${port}/api/inngest?fnId=tenant-platform-sync-integration&stepId=step`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        event,
        events: [event],
        steps: {},
        ctx: { run_id: "01CRAFTED", attempt: 0, disable_immediate_execution: false, use_api: false, stack: { stack: [], current: 0 } },
      }),
    });
    expect(crafted.status).toBe(401);
    expect(await globexRuns()).toBe(runsBefore);
    await db.end();
    const sendEvent = (key: string) =>
      fetch(`http://127.0.0.1:${runnerPort}/e/${key}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([{ name: "integration/sync.requested", data: event.data }]),
      });
    expect((await sendEvent("any-key")).status).toBe(401);
    expect((await sendEvent(randomBytes(24).toString("hex"))).status).toBe(401);

    // ---- first run: the CLIs work beside npm run dev with no variables
    const devEnvFile = path.join(dataDir, "dev-env.json");
    expect(statSync(devEnvFile).mode & 0o777).toBe(0o600);
    expect(output).toContain("dev-env.json");
    const list = await runCliBeside(dataDir, "scripts/tenants.ts", ["list"]);
    expect(list.stderr).toMatch(/DATABASE_URL.*ENCRYPTION_KEYS.* from .*dev-env\.json/);
    expect(list.stderr).not.toContain(secrets.ENCRYPTION_KEYS!);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/acme/);
    expect(list.stdout).toMatch(/globex/);
    // A tenant made from the CLI is served at once: the Edge mirror (Redis) was configured too.
    const slug = uniqueSlug("cli");
    const created = await runCliBeside(dataDir, "scripts/tenants.ts", ["create", slug, "--name", "Made From The CLI"]);
    expect(created.code, created.stderr).toBe(0);
    const page2 = await page(`${slug}.localhost`);
    expect(page2.status).toBe(200);
    expect(page2.body).toContain('data-testid="tenant-name">Made From The CLI<');
    for (const [script, args] of [
      ["scripts/audit.ts", ["verify", "acme"]],
      ["scripts/secrets.ts", ["rotate", "--dry-run"]],
      ["scripts/db/migrate.ts", []],
    ] as const) {
      const res = await runCliBeside(dataDir, script, [...args]);
      expect(res.code, `${script} ${args.join(" ")}: ${res.stderr}`).toBe(0);
    }

    dev.kill("SIGTERM");
    await exited;
    // The file describes a running stack: it goes away with it.
    expect(existsSync(devEnvFile)).toBe(false);
    rmSync(dataDir, { recursive: true, force: true });
    expect(await portIsFree(port)).toBe(true);
    expect(await portIsFree(bridgePort)).toBe(true);
    expect(await portIsFree(runnerPort)).toBe(true);
  });
});
