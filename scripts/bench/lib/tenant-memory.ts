// Child process of bench:tenants (run with --expose-gc, in the bench's database): touches
// the given tenants one after the other with one `user.count()` each, in a process that
// has served only one other tenant, and prints one JSON line: RSS and heap growth, and
// the latency of each tenant's first query (a cold tenant: no client yet) and of a second
// pass (warm). TENANT_CLIENT_CACHE_SIZE is set by the parent so every client stays.
//
// A cold tenant's first query has two parts: this process's (the tenant's client) and the
// database connection's (PostgreSQL opening that schema's tables for the first time on that
// backend: catalogue lookups, relation cache, files). So two more passes tell them apart:
// the clients dropped, on connections that already know every schema (sequential queries
// reuse one pooled connection per cluster), and PostgreSQL alone: the same statement on a
// fresh connection per cluster, plain pg, no app code.
import pg from "pg";
import { closePool } from "@/lib/db/pool";
import { forgetTenantClient, tenantDb } from "@/lib/db/tenant-client";
import { tenantPool } from "@/lib/db/tenant-pool";
import { quoteIdent } from "@/lib/db/identifier";
import { schemaNameFor } from "@/lib/tenancy/slug";

export interface TenantMemoryResult {
  tenants: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  heapBeforeMb: number;
  heapAfterMb: number;
  /** First query of a tenant, client creation included. */
  coldMs: number[];
  /** Of which: making the tenant's client (tenantDb(slug) on a cache miss). */
  createMs: number[];
  warmMs: number[];
  /** First query of a tenant whose client was dropped, on a connection that already knows its schema. */
  newClientMs: number[];
  /** PostgreSQL alone: `SELECT count(*)` of the tenant's users on a connection new to that schema (plain pg). */
  rawFirstMs: number[];
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const [warmSlug, ...slugs] = process.argv.slice(2);
if (!warmSlug || slugs.length === 0) throw new Error("usage: tenant-memory.ts <warm-up slug> <slug>...");

function sample(): { rss: number; heap: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { rss: m.rss / 1e6, heap: m.heapUsed / 1e6 };
}

// The process-wide parts (pool, engine, compiler, plan) are built by this first tenant.
for (let i = 0; i < 3; i++) await tenantDb(warmSlug).user.count();
const before = sample();
const coldMs: number[] = [];
const createMs: number[] = [];
for (const slug of slugs) {
  const t0 = performance.now();
  const db = tenantDb(slug);
  createMs.push(performance.now() - t0);
  await db.user.count();
  coldMs.push(performance.now() - t0);
}
const after = sample();
const warmMs: number[] = [];
for (const slug of slugs) {
  const t0 = performance.now();
  await tenantDb(slug).user.count();
  warmMs.push(performance.now() - t0);
}
const newClientMs: number[] = [];
for (const slug of slugs) {
  forgetTenantClient(slug);
  const t0 = performance.now();
  await tenantDb(slug).user.count();
  newClientMs.push(performance.now() - t0);
}
// One fresh connection per cluster, its first statement (on that cluster's first tenant,
// not counted) paying what is not per schema, like the app's connections before the
// first pass; then each tenant's first statement on it.
const raw = new Map<string, pg.Client>();
const rawFirstMs: number[] = [];
for (const slug of slugs) {
  const url = (await tenantPool(slug)).options.connectionString!;
  const sql = `SELECT count(*) FROM ${quoteIdent(schemaNameFor(slug))}.users`;
  let client = raw.get(url);
  if (!client) {
    client = new pg.Client({ connectionString: url });
    await client.connect();
    raw.set(url, client);
    await client.query(sql);
    continue;
  }
  const t0 = performance.now();
  await client.query(sql);
  rawFirstMs.push(performance.now() - t0);
}
for (const client of raw.values()) await client.end();
const result: TenantMemoryResult = {
  tenants: slugs.length,
  rssBeforeMb: before.rss,
  rssAfterMb: after.rss,
  heapBeforeMb: before.heap,
  heapAfterMb: after.heap,
  coldMs,
  createMs,
  warmMs,
  newClientMs,
  rawFirstMs,
};
await closePool();
// One line on stdout for the parent; written out (a pipe is asynchronous) before exiting.
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
