// `npm run dev` end to end: the dev stack comes up on the given database, seeds the
// demo tenants, starts its own Upstash bridge and `next dev`, serves each tenant's
// page, and shuts everything down on SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { freePort } from "../scripts/lib/free-port";
import { repoRoot } from "./support/cli";


function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer().once("error", () => resolve(false)).listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** GET / with a chosen Host header (fetch does not let a caller set Host). */
function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path: "/", headers: { host } }, (res) => {
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
  it("serves acme and globex with their own names, and stops cleanly", { timeout: 180_000 }, async () => {
    const [port, bridgePort, runnerPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), REDIS_BRIDGE_PORT: String(bridgePort), INNGEST_RUNNER_PORT: String(runnerPort) };
    // The dev stack starts its own workflow runner when no engine is configured.
    delete env.INNGEST_BASE_URL;
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
      headers: { "x-tenant-id": "acme", "content-type": "application/json", "x-request-id": requestId, "x-forwarded-for": "198.51.100.77", "x-platform-peer": "192.0.2.77" },
      body: JSON.stringify({ email: "nobody@acme.test", password: "not-the-password" }),
    });
    expect(signIn.status).toBe(401);
    const failed = await tenantDb("acme").auditLog.findFirst({ where: { requestId, action: "auth.sign_in_failed" } });
    expect(failed?.ip).toBe("127.0.0.1");

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

    dev.kill("SIGTERM");
    await exited;
    expect(await portIsFree(port)).toBe(true);
    expect(await portIsFree(bridgePort)).toBe(true);
    expect(await portIsFree(runnerPort)).toBe(true);
  });
});
