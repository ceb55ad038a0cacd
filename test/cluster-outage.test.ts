// A cluster outage: the second cluster is reached through a TCP relay this test owns
// (configured as the cluster `flaky`), and cutting the relay takes that cluster away
// while the real PostgreSQL behind it keeps running. Requests of its tenants, through the
// real route handlers, answer 503 problem+json with Retry-After (whatever needs its data:
// a principal served from the in-memory caches alone is still recognised); tenants on the other
// cluster go on as before; when the relay is back, so is the service. A migration run
// meanwhile reports the cluster and migrates the others.
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as usersRoute from "@/app/api/v1/users/route";
import * as apiKeysRoute from "@/app/api/v1/api-keys/route";
import { issueTokensForPassword } from "@/lib/auth/sign-in-flow";
import { formatReport } from "@/lib/db/migrations/format-report";
import { checksumOf, loadMigrations } from "@/lib/db/migrations/files";
import { migrateAll } from "@/lib/db/migrations/runner";
import { closePool, getPool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { meta, tenantWithOwner, testPassword } from "./support/auth";
import { clusterUrls, rawClusterClient, secondCluster } from "./support/clusters";
import { patientRedis } from "./support/integrations";
import { columnNames, dropTenantsQuietly, uniqueSlug } from "./support/tenants";

/** A TCP relay to the second cluster that can be cut and restored on the same port. */
class Relay {
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  port = 0;
  constructor(private target: { host: string; port: number }) {}

  async start(): Promise<void> {
    if (this.server) return;
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Refuses new connections and kills the open ones: the cluster is gone. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

const secondUrl = new URL(clusterUrls("direct").get(secondCluster())!);
const relay = new Relay({ host: secondUrl.hostname, port: Number(secondUrl.port || 5432) });
const settings = defaultTenantSettings();
const down = uniqueSlug("out-down");
const up = uniqueSlug("out-up");
const tokens: Record<string, string> = {};

type Route = (request: Request, route: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

function call(handler: Route, slug: string): Promise<Response> {
  const request = new Request(`http://${slug}.localhost/api/v1/users`, {
    headers: { [internalHeaders.tenant]: slug, authorization: `Bearer ${tokens[slug]}`, "user-agent": "outage-test" },
  });
  return handler(request, { params: Promise.resolve({}) });
}

beforeAll(async () => {
  await relay.start();
  const viaRelay = new URL(secondUrl);
  viaRelay.port = String(relay.port);
  process.env.DATABASE_CLUSTERS = `${process.env.DATABASE_CLUSTERS},flaky=${viaRelay.toString()}`;
  // Sign-in's rate limit fails closed when Redis answers slowly (a loaded machine).
  Object.assign(process.env, patientRedis);
  resetEnvCache();
  await tenantWithOwner(up);
  await createTenant({ slug: down, name: down, ownerEmail: `owner@${down}.test`, ownerPassword: testPassword, cluster: "flaky" });
  for (const slug of [up, down]) {
    const { pair } = await issueTokensForPassword(slug, settings, { email: `owner@${slug}.test`, password: testPassword }, meta());
    tokens[slug] = pair.access_token;
  }
}, 60_000);

afterAll(async () => {
  await relay.start();
  await dropTenantsQuietly([up, down]);
  await closePool();
  await relay.cut();
}, 60_000);

describe("a cluster outage", () => {
  it("answers 503 with Retry-After for the tenants of the cluster that is down, and serves the others as before", async () => {
    for (const slug of [up, down]) expect((await call(usersRoute.GET, slug)).status).toBe(200);

    await relay.cut();
    // Raw SQL (members list) and Prisma (API keys) alike.
    for (const handler of [usersRoute.GET, apiKeysRoute.GET] as Route[]) {
      const res = await call(handler, down);
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      const problem = (await res.json()) as { status: number; detail: string };
      expect(problem.status).toBe(503);
      expect(problem.detail).toBe("The database is unavailable; try again shortly.");
    }
    const ok = await call(usersRoute.GET, up);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: { email: string }[] }).data.map((m) => m.email)).toEqual([`owner@${up}.test`]);

    await relay.start();
    const back = await call(usersRoute.GET, down);
    expect(back.status).toBe(200);
    expect(((await back.json()) as { data: { email: string }[] }).data.map((m) => m.email)).toEqual([`owner@${down}.test`]);
  });

  it("db:migrate reports the cluster that is down, migrates the others, and resumes it when it is back", async () => {
    const extra = "ALTER TABLE users ADD COLUMN outage_probe text;";
    const tenantMigrations = [...loadMigrations("tenant"), { name: "29991231000000_outage_probe", sql: extra, checksum: checksumOf(extra) }];
    // Not `second`: it is the same database as `flaky` (one advisory lock).
    const run = () => migrateAll(getPool(), { concurrency: 2, tenantMigrations, slugs: [up, down], clusters: ["default", "flaky"] });
    const onSecond = await rawClusterClient(secondCluster());
    try {
      await relay.cut();
      const first = await run();
      expect(first.tenants).toEqual([{ schema: schemaNameFor(up), slug: up, applied: ["29991231000000_outage_probe"] }]);
      const flaky = first.clusters.find((c) => c.name === "flaky")!;
      expect(flaky).toMatchObject({ tenantCount: 1, failed: 1 });
      expect(flaky.error).toMatch(/^unreachable: /);
      expect(first.failed).toBe(1);
      expect(formatReport(first)).toMatch(/^cluster flaky: NOT MIGRATED, unreachable: .* \(1 tenant schema\(s\) not checked\)$/m);
      expect(await columnNames(onSecond, schemaNameFor(down), "users")).not.toContain("outage_probe");

      await relay.start();
      const second = await run();
      expect(second.failed).toBe(0);
      expect(second.tenants).toEqual([{ schema: schemaNameFor(down), slug: down, applied: ["29991231000000_outage_probe"] }]);
      expect(await columnNames(onSecond, schemaNameFor(down), "users")).toContain("outage_probe");
    } finally {
      await onSecond.end();
    }
  });
});
