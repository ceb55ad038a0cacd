// Seeds what the e2e specs expect. Playwright runs this AFTER the webServers are up
// (plugin setup comes first), so it must finish before any request reaches a tenant
// host: the middleware caches lookups (even "not found") for 5 s per isolate. The
// servers' readiness probe, /api/health, is a platform path and looks nothing up.
// The servers' start-up mirror rebuild (instrumentation.ts) has finished by then too:
// Next runs register() before it answers the first request.
// Every step is idempotent, so a rerun against the same database works.
import { randomUUID } from "node:crypto";
import { closePool, getPool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import { getRedis } from "@/lib/redis/client";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { addDomain } from "@/lib/tenancy/domains";
import { findTenantBySlug } from "@/lib/tenancy/find-tenant";
import { seedDemoTenants } from "@/lib/tenancy/seed-demo";
import { setTenantStatus } from "@/lib/tenancy/set-tenant-status";

export const e2eData = {
  suspendedSlug: "e2e-suspended",
  suspendedName: "E2E Suspended Ltd",
  /** Verified custom domain of acme, mirrored into Redis like any domain change. */
  acmeDomain: "portal.acme-corp.example.test",
  /** Verified domain of globex written to PostgreSQL only, never mirrored into Redis. */
  globexDbOnlyDomain: "db-only.globex.example.test",
} as const;

function ignoreConflict(err: unknown): void {
  if (err instanceof AppError && err.code === "conflict") return;
  throw err;
}

export default async function globalSetup(): Promise<void> {
  if (!getRedis()) throw new Error("e2e global setup: UPSTASH_REDIS_REST_URL/TOKEN are not set; run the suite with `npm test -- e2e`.");
  try {
    await seedDemoTenants();

    if (!(await findTenantBySlug(e2eData.suspendedSlug)))
      await createTenant({ slug: e2eData.suspendedSlug, name: e2eData.suspendedName }).catch(ignoreConflict);
    await setTenantStatus(e2eData.suspendedSlug, "suspended");

    await addDomain("acme", e2eData.acmeDomain, { verified: true }).catch(ignoreConflict);

    // Deliberately bypasses addDomain (and so the Redis mirror): on the server without
    // Redis this domain can only be found by the Node-side PostgreSQL lookup.
    await getPool().query(
      `INSERT INTO public.domains (id, hostname, tenant_id, verified, "primary", created_at, updated_at)
       SELECT $1, $2, id, true, false, now(), now() FROM public.tenants WHERE slug = 'globex'
       ON CONFLICT (hostname) DO NOTHING`,
      [randomUUID(), e2eData.globexDbOnlyDomain],
    );
  } finally {
    await closePool();
  }
}
