// Brings up what the platform needs on this machine, for `npm run dev` and `npm test`:
// PostgreSQL (DATABASE_URL, else embedded), Redis (REDIS_URL, else a local
// redis-server) behind the Upstash REST bridge, an SMTP catcher (unless dev has
// SMTP_URL), migrations, and (dev) demo tenants.
// Every part reports what it is and where; missing parts are reported as off.
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { migrateAll } from "@/lib/db/migrations/runner";
import { closePool, getPool } from "@/lib/db/pool";
import { forgetPlatformClient } from "@/lib/db/platform-client";
import { resetEnvCache, serverEnv, toolingEnv } from "@/lib/env";
import { devDataDir, devSecrets } from "./dev-secrets";
import { devEnvFile, writeDevEnv } from "./dev-env";
import { resetRedisClient } from "@/lib/redis/client";
import { startRedisRestBridge } from "@/lib/redis/rest-bridge";
import { rebuildMirror } from "@/lib/tenancy/mirror";
import { demoPassword, seedDemoTenants } from "@/lib/tenancy/seed-demo";
import { startInngestRunner } from "../inngest-runner/index";
import { startEmbeddedDb } from "./embedded-db";
import { findPgBouncer, startPgBouncer } from "./pgbouncer";
import { startMailCatcher } from "./mail-catcher";
import { deleteKeys, ensureRedis } from "./redis-setup";

export interface StackPart {
  name: string;
  status: "on" | "off" | "degraded";
  detail: string;
}

export interface Stack {
  env: Record<string, string>;
  parts: StackPart[];
  stop(): Promise<void>;
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

async function createScratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `platform_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function startStack(mode: "dev" | "test", root = process.cwd()): Promise<Stack> {
  const stops: (() => Promise<void>)[] = [];
  const parts: StackPart[] = [];
  const env: Record<string, string> = {};
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e: unknown) => console.error("[stack] stop failed:", e));
  };

  const given = toolingEnv();
  try {
    Object.assign(env, devSecrets(mode, root));
    // PostgreSQL
    if (given.DATABASE_URL) {
      if (mode === "test") {
        const scratch = await createScratchDatabase(given.DATABASE_URL);
        stops.push(scratch.drop);
        env.DATABASE_URL = scratch.url;
        parts.push({ name: "database", status: "on", detail: `${redact(scratch.url)} (throwaway database on DATABASE_URL's server)` });
      } else {
        env.DATABASE_URL = given.DATABASE_URL;
        parts.push({ name: "database", status: "on", detail: `${redact(env.DATABASE_URL)} (from DATABASE_URL)` });
      }
    } else {
      const db = await startEmbeddedDb(mode === "dev" ? { persistentDir: devDataDir(root), port: 54329, database: "platform" } : { database: "platform_test" });
      stops.push(db.stop);
      env.DATABASE_URL = db.url;
      parts.push({
        name: "database",
        status: "on",
        detail: `embedded PostgreSQL at ${redact(db.url)}${mode === "dev" ? ` (data in ${path.relative(root, devDataDir(root)) || "."}/postgres)` : " (throwaway)"}${db.binariesCopied ? `, binaries from ${db.binaries} (a copy the postgres user can reach)` : ""}`,
      });
    }
    process.env.DATABASE_URL = env.DATABASE_URL;

    // More tenant clusters. Tests always have a second one (a scratch database on each
    // server DATABASE_CLUSTERS lists, else a second embedded PostgreSQL), so isolation and
    // migrations are tested across two real servers; their tenants go to `default` unless
    // a test places them (TENANT_PLACEMENT). Dev uses DATABASE_CLUSTERS as given.
    if (mode === "test") {
      const clusters: string[] = [];
      if (given.DATABASE_CLUSTERS?.length) {
        for (const c of given.DATABASE_CLUSTERS) {
          const scratch = await createScratchDatabase(c.url);
          stops.push(scratch.drop);
          clusters.push(`${c.name}=${scratch.url}`);
          parts.push({ name: `cluster ${c.name}`, status: "on", detail: `${redact(scratch.url)} (throwaway database on DATABASE_CLUSTERS' server)` });
        }
      } else {
        const second = await startEmbeddedDb({ database: "platform_test_second" });
        stops.push(second.stop);
        clusters.push(`second=${second.url}`);
        parts.push({ name: "cluster second", status: "on", detail: `embedded PostgreSQL at ${redact(second.url)} (throwaway, the second tenant cluster)` });
      }
      env.DATABASE_CLUSTERS = clusters.join(",");
      env.TENANT_PLACEMENT = "default";
    }

    // Redis, behind the Upstash REST bridge the Edge middleware talks to
    if (given.UPSTASH_REDIS_REST_URL) {
      parts.push({ name: "redis", status: "on", detail: `Upstash REST at ${given.UPSTASH_REDIS_REST_URL}` });
    } else {
      const redisUrl = given.REDIS_URL;
      const redis = await ensureRedis(redisUrl);
      if (redis) {
        stops.push(redis.stop);
        // Tests use their own logical database so they never touch dev data.
        const bridgeRedisUrl = mode === "test" && !new URL(redis.url).pathname.replace("/", "") ? `${redis.url}/9` : redis.url;
        const token = randomBytes(24).toString("base64url");
        const bridge = await startRedisRestBridge({
          redisUrl: bridgeRedisUrl,
          token,
          port: mode === "dev" ? given.REDIS_BRIDGE_PORT : 0,
        });
        stops.push(bridge.close);
        env.REDIS_URL = bridgeRedisUrl;
        if (mode === "test") {
          // Concurrent test runs share the machine's Redis: each gets its own key space.
          const keyPrefix = `test-${randomBytes(4).toString("hex")}:`;
          env.REDIS_KEY_PREFIX = keyPrefix;
          stops.push(() => deleteKeys(bridgeRedisUrl, `${keyPrefix}*`));
        }
        env.UPSTASH_REDIS_REST_URL = bridge.url;
        env.UPSTASH_REDIS_REST_TOKEN = token;
        parts.push({
          name: "redis",
          status: "on",
          detail: `${redis.startedByUs ? "redis-server started at" : "Redis at"} ${redact(bridgeRedisUrl)}, Upstash REST bridge at ${bridge.url}`,
        });
      } else {
        parts.push({
          name: "redis",
          status: "degraded",
          detail: `DEGRADED: no Redis answered at ${redisUrl} and none could be started here; the Edge cannot see custom domains or tenant status, so the Node side looks them up in PostgreSQL on every request`,
        });
      }
    }
    // Mail: tests always catch it (they read what was sent); dev catches it unless
    // SMTP_URL says where to send. Nothing caught leaves the machine.
    if (mode === "dev" && given.SMTP_URL) {
      parts.push({ name: "mail", status: "on", detail: `SMTP at ${redact(given.SMTP_URL)} (from SMTP_URL)` });
    } else {
      const ports = mode === "dev" ? { smtpPort: given.MAIL_CATCHER_SMTP_PORT, httpPort: given.MAIL_CATCHER_HTTP_PORT } : {};
      // A second dev stack (or anything else on 1025/1080) should not stop this one: any free ports then.
      const catcher = await startMailCatcher(ports).catch((e: NodeJS.ErrnoException) => (e.code === "EADDRINUSE" ? startMailCatcher() : Promise.reject(e)));
      stops.push(catcher.close);
      env.SMTP_URL = catcher.smtpUrl;
      env.MAIL_CATCHER_URL = catcher.httpUrl;
      parts.push({ name: "mail", status: "on", detail: `SMTP catcher at ${catcher.smtpUrl}, caught mail at ${catcher.httpUrl}` });
    }
    Object.assign(process.env, env);
    resetEnvCache();
    resetRedisClient();
    forgetPlatformClient();

    const report = await migrateAll(getPool(), { concurrency: 8, lockWaitMs: 30_000, appRole: serverEnv().DATABASE_APP_ROLE });
    if (report.failed) throw new Error(`migrations failed for ${report.failed} tenant(s)`);
    parts.push({
      name: "migrations",
      status: "on",
      detail: `platform and ${report.tenantCount} tenant schema(s) up to date on ${report.clusters.length} cluster(s) (${report.clusters.map((c) => c.name).join(", ")})`,
    });

    if (mode === "dev") {
      const created = await seedDemoTenants();
      parts.push({
        name: "demo tenants",
        status: "on",
        detail: `acme, globex${created.length ? ` (created ${created.join(", ")})` : ""}; sign in as owner@acme.test or owner@globex.test with ${demoPassword}`,
      });
    }
    const mirror = await rebuildMirror();
    if (mirror.ok) parts.push({ name: "edge mirror", status: "on", detail: `${mirror.tenants} tenants, ${mirror.domains} domains in Redis` });

    if (given.INNGEST_BASE_URL) {
      parts.push({ name: "workflows", status: "on", detail: `Inngest at ${given.INNGEST_BASE_URL} (INNGEST_BASE_URL)` });
    } else if (mode === "dev") {
      // The Inngest server cannot be installed everywhere; the local runner speaks its
      // protocol to /api/inngest (scripts/inngest-runner/README.md).
      // Signed both ways with the keys in .data/dev-secrets.json: the runner signs every
      // call to /api/inngest, and only accepts events sent with the event key.
      const { INNGEST_SIGNING_KEY: signingKey, INNGEST_EVENT_KEY: eventKey } = serverEnv();
      if (!signingKey || !eventKey) throw new Error("INNGEST_SIGNING_KEY and INNGEST_EVENT_KEY are required for the local runner");
      const runner = await startInngestRunner({
        port: given.INNGEST_RUNNER_PORT,
        host: "127.0.0.1",
        appUrl: `http://127.0.0.1:${given.PORT}/api/inngest`,
        signingKey,
        eventKey,
      });
      stops.push(runner.close);
      env.INNGEST_BASE_URL = runner.url;
      parts.push({ name: "workflows", status: "on", detail: `local Inngest runner at ${runner.url} (runs: ${runner.url}/runs), driving /api/inngest, signed` });
    } else {
      // Tests start their own runners; until one is set, nothing listens here and events stay undispatched.
      env.INNGEST_BASE_URL = "http://127.0.0.1:9";
      parts.push({ name: "workflows", status: "off", detail: "tests start their own local Inngest runners" });
    }
    if (mode === "dev") {
      // For the CLIs beside `npm run dev` (scripts/lib/load-dev-env.ts); removed on stop.
      const remove = writeDevEnv({ ...process.env, ...env }, root);
      stops.push(async () => remove());
      const file = path.relative(root, devEnvFile(root));
      parts.push({ name: "CLI settings", status: "on", detail: `${file}: npm run tenants / audit:* / secrets:rotate / db:migrate use this stack` });
    }
    if (mode === "test") {
      // The app under test reaches every cluster through PgBouncer in transaction mode
      // (README, "Behind a pooler"); the tests' own raw clients use the direct URLs.
      if (given.TEST_PGBOUNCER !== "off" && (given.TEST_PGBOUNCER === "on" || findPgBouncer())) {
        const direct = new Map([["default", env.DATABASE_URL!], ...clusterPairs(env.DATABASE_CLUSTERS ?? "")]);
        const bouncer = await startPgBouncer(direct, { poolSize: given.TEST_PGBOUNCER_POOL_SIZE });
        stops.push(bouncer.stop);
        env.DATABASE_DIRECT_URL = env.DATABASE_URL!;
        env.DATABASE_CLUSTERS_DIRECT = env.DATABASE_CLUSTERS ?? "";
        env.DATABASE_URL = bouncer.urls.get("default")!;
        env.DATABASE_CLUSTERS = [...bouncer.urls]
          .filter(([name]) => name !== "default")
          .map(([name, url]) => `${name}=${url}`)
          .join(",");
        parts.push({
          name: "pooler",
          status: "on",
          detail: `${bouncer.version}, transaction mode, at 127.0.0.1:${bouncer.port} in front of ${[...direct.keys()].join(", ")}: the app connects through it`,
        });
      } else {
        parts.push({
          name: "pooler",
          status: "off",
          detail: "no PgBouncer (apt-get install -y pgbouncer; TEST_PGBOUNCER=off skips it): the app connects directly",
        });
      }
    }
    await closePool();
    forgetPlatformClient();
    return { env, parts, stop };
  } catch (err) {
    await closePool().catch(() => undefined);
    await stop();
    throw err;
  }
}

export function clusterPairs(list: string): [string, string][] {
  return list
    .split(",")
    .filter(Boolean)
    .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]);
}

export function printParts(parts: StackPart[]): void {
  const icon = { on: "✔", off: "–", degraded: "!" } as const;
  for (const p of parts) console.log(`  ${icon[p.status]} ${p.name.padEnd(13)} ${p.detail}`);
}
