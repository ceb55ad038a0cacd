// Why tenant clients are cheap. A Prisma 7 client's engine deserialises the schema's
// parameterisation graph (~1.9 MB of heap) and builds its own query compiler (10-20 ms,
// more wasm memory) and plan cache. Tenant schemas are identical, so ONE engine does that
// for every tenant, compiling against a placeholder schema (tenant-sql.ts).
//
// Each tenant still gets its own PrismaClient object (~10 KB): its own request handler,
// and so its own findUnique batching (a dataloader per client), which is what keeps two
// tenants' same-tick queries out of one statement. Its engine is a TenantEngine: it runs
// every call into the shared engine inside tenantScope with the tenant's binding, which
// the shared adapter (tenant-adapter.ts) uses to qualify the SQL and pick the pool.
//
// This relies on two Prisma internals, pinned by the exact @prisma/client version and
// covered by test/tenant-client-sharing.test.ts: the `__internal.configOverride`
// constructor option and the client's `_engine` field.
import { PrismaClient } from "@/lib/db/generated/tenant/client";
import { serverEnv } from "@/lib/env";
import { retryingReads } from "./connection-retry";
import { tenantRoutingAdapter, tenantScope, type TenantBinding } from "./tenant-adapter";

/** The part of Prisma's ClientEngine a PrismaClient calls. */
interface EngineLike {
  start(): Promise<void>;
  stop(): Promise<void>;
  request(...args: unknown[]): Promise<unknown>;
  requestBatch(...args: unknown[]): Promise<unknown>;
  transaction(...args: unknown[]): Promise<unknown>;
  onBeforeExit(...args: unknown[]): unknown;
  apiKey?(): unknown;
  version?(): string;
}

interface ClientInternals {
  _engine: EngineLike;
}

const globalForEngine = globalThis as unknown as { __tenantEngineHost?: PrismaClient };

function sharedEngine(): EngineLike {
  globalForEngine.__tenantEngineHost ??= new PrismaClient({
    adapter: retryingReads(tenantRoutingAdapter),
    log: serverEnv().LOG_SQL ? ["query"] : [],
  });
  return (globalForEngine.__tenantEngineHost as unknown as ClientInternals)._engine;
}

/** One tenant's engine: the shared engine, always entered with this tenant's binding. */
class TenantEngine implements EngineLike {
  readonly name = "TenantEngine";
  constructor(
    private readonly shared: EngineLike,
    readonly binding: TenantBinding,
  ) {}
  start() {
    return this.shared.start();
  }
  async stop() {
    // The shared engine serves every tenant: dropping one client stops nothing.
  }
  request(...args: unknown[]) {
    return tenantScope.run(this.binding, () => this.shared.request(...args));
  }
  requestBatch(...args: unknown[]) {
    return tenantScope.run(this.binding, () => this.shared.requestBatch(...args));
  }
  transaction(...args: unknown[]) {
    return tenantScope.run(this.binding, () => this.shared.transaction(...args));
  }
  onBeforeExit(...args: unknown[]) {
    return this.shared.onBeforeExit(...args);
  }
  apiKey() {
    return null;
  }
  version() {
    return this.shared.version?.() ?? "unknown";
  }
}

// The per-client engine Prisma builds in the constructor is replaced before first use:
// give it an empty parameterisation graph so building it costs nothing.
const emptyParameterization = { strings: [], graph: "AAAA" };

/** A new client for one tenant, on the shared engine. */
export function newTenantClient(binding: TenantBinding): PrismaClient {
  const shared = sharedEngine();
  const options = {
    adapter: tenantRoutingAdapter,
    __internal: { configOverride: (config: object) => ({ ...config, parameterizationSchema: emptyParameterization }) },
  };
  const client = new PrismaClient(options as ConstructorParameters<typeof PrismaClient>[0]);
  (client as unknown as ClientInternals)._engine = new TenantEngine(shared, binding);
  return client;
}

/** The schema a client's queries run in (for tests that check the wiring). */
export function bindingOf(client: PrismaClient): TenantBinding | undefined {
  const engine = (client as unknown as ClientInternals)._engine;
  return engine instanceof TenantEngine ? engine.binding : undefined;
}
