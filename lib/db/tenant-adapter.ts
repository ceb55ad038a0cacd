// One Prisma driver adapter for every tenant. Each call is qualified for the tenant whose
// client made it: that client's engine (tenant-engine.ts) runs the call inside
// `tenantScope.run(binding, ...)`, and this adapter reads the binding when the call
// enters it, before it waits for a pool connection. Batching happens above, in each
// tenant's own client, so no statement ever carries two tenants' queries. No binding:
// refused, never run unqualified. A transaction keeps the tenant it began with and
// refuses a statement made for another.
//
// The pool is resolved per statement (per transaction) in ONE place, poolFor(): the
// tenant's cluster's pool (./tenant-pool.ts, from memory), so a moved tenant's next
// statement goes to its new cluster without rebuilding clients.
// Nothing session-level: unnamed statements, no search_path (PgBouncer transaction mode).
import { AsyncLocalStorage } from "node:async_hooks";
import { PrismaPg } from "@prisma/adapter-pg";
import type { IsolationLevel, SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";
import type pg from "pg";
import { tenantPool } from "./tenant-pool";
import { namesPlaceholder, qualifyForTenant, tenantSchemaPlaceholder } from "./tenant-sql";

export interface TenantBinding {
  readonly slug: string;
  /** tenant_<slug>, from schemaNameFor(slug). */
  readonly schema: string;
}

/** The tenant a call into the shared engine is made for; set only by TenantEngine. */
// On globalThis: Next may load this module more than once (route bundles, instrumentation),
// and the engine that reads the scope must be the one every tenant client writes it to.
const globalForScope = globalThis as unknown as { __tenantScope?: AsyncLocalStorage<TenantBinding> };
export const tenantScope = (globalForScope.__tenantScope ??= new AsyncLocalStorage<TenantBinding>());

/** The pool that serves this tenant's queries (its cluster's): the only place tenant Prisma queries pick a pool. */
function poolFor(binding: TenantBinding): Promise<pg.Pool> {
  return tenantPool(binding.slug);
}

// One PrismaPg adapter per pool (its type conversions and error mapping), whatever the tenant.
const innerAdapters = new WeakMap<pg.Pool, Promise<SqlDriverAdapter>>();
function innerFor(pool: pg.Pool): Promise<SqlDriverAdapter> {
  let inner = innerAdapters.get(pool);
  if (!inner) {
    inner = new PrismaPg(pool, { schema: tenantSchemaPlaceholder }).connect();
    inner.catch(() => innerAdapters.delete(pool));
    innerAdapters.set(pool, inner);
  }
  return inner;
}

function currentBinding(): TenantBinding {
  const binding = tenantScope.getStore();
  if (!binding) throw new Error("tenant query outside a tenant client's scope: refused (use tenantDb(slug))");
  return binding;
}

function qualified(query: SqlQuery, schema: string): SqlQuery {
  const sql = qualifyForTenant(query.sql, schema);
  if (namesPlaceholder(sql)) throw new Error("tenant query still names the placeholder schema: refused");
  return sql === query.sql ? query : { ...query, sql };
}

class TenantTransaction implements Transaction {
  readonly provider: Transaction["provider"];
  readonly adapterName: string;
  constructor(
    private readonly inner: Transaction,
    private readonly binding: TenantBinding,
  ) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }
  get options() {
    return this.inner.options;
  }
  private check(query: SqlQuery): SqlQuery {
    const now = tenantScope.getStore();
    if (now && now.schema !== this.binding.schema) throw new Error(`a statement for ${now.slug} in ${this.binding.slug}'s transaction: refused`);
    return qualified(query, this.binding.schema);
  }
  async queryRaw(query: SqlQuery) {
    return this.inner.queryRaw(this.check(query));
  }
  async executeRaw(query: SqlQuery) {
    return this.inner.executeRaw(this.check(query));
  }
  commit() {
    return this.inner.commit();
  }
  rollback() {
    return this.inner.rollback();
  }
  createSavepoint(name: string) {
    return this.inner.createSavepoint!(name);
  }
  rollbackToSavepoint(name: string) {
    return this.inner.rollbackToSavepoint!(name);
  }
  releaseSavepoint(name: string) {
    return this.inner.releaseSavepoint!(name);
  }
}

class TenantRoutingAdapter implements SqlDriverAdapter {
  readonly provider = "postgres" as const;
  readonly adapterName = "tenant-routing(@prisma/adapter-pg)";
  async queryRaw(query: SqlQuery) {
    const binding = currentBinding();
    const q = qualified(query, binding.schema);
    return (await innerFor(await poolFor(binding))).queryRaw(q);
  }
  async executeRaw(query: SqlQuery) {
    const binding = currentBinding();
    const q = qualified(query, binding.schema);
    return (await innerFor(await poolFor(binding))).executeRaw(q);
  }
  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    const binding = currentBinding();
    const inner = await (await innerFor(await poolFor(binding))).startTransaction(isolationLevel);
    return new TenantTransaction(inner, binding);
  }
  async executeScript(): Promise<void> {
    throw new Error("executeScript is not available on tenant clients");
  }
  getConnectionInfo() {
    // The compiler writes this schema into every query; qualified() replaces it.
    return { schemaName: tenantSchemaPlaceholder, supportsRelationJoins: true };
  }
  async dispose(): Promise<void> {
    // Pools are owned by lib/db/pool.ts.
  }
}

/** The adapter factory of the shared tenant engine. */
export const tenantRoutingAdapter: SqlDriverAdapterFactory = {
  provider: "postgres",
  adapterName: "tenant-routing(@prisma/adapter-pg)",
  connect: async () => new TenantRoutingAdapter(),
};
