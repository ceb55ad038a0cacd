// One retry when the database connection itself was lost (the backend terminated:
// 57P01 admin_shutdown after pg_terminate_backend or a failover, a reset socket, "Connection
// terminated unexpectedly"), so a killed connection under a request is not a 500. Only
// for work that is safe to run twice, and the callers say why it is:
//   - reads;
//   - statements that are idempotent by construction (the webhook intake's ON CONFLICT on
//     the provider event id, marking dispatched only rows still undispatched);
//   - a transaction that failed before it reached COMMIT (nothing of it took effect).
// Not retried: a single autocommit write that is not idempotent, and a transaction whose
// COMMIT was sent: the connection may have died after the commit, before its answer.
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";

const connectionCodes = new Set([
  // class 57: operator intervention (admin_shutdown, crash_shutdown, cannot_connect_now)
  "57P01",
  "57P02",
  "57P03",
  // class 08: connection exception
  "08000",
  "08003",
  "08006",
  // sockets
  "ECONNRESET",
  "EPIPE",
]);

const connectionMessages = [
  /Connection terminated unexpectedly/i,
  /terminating connection due to administrator command/i,
  /Client has encountered a connection error/i,
  /Connection terminated/i,
];

function matches(e: unknown, depth: number): boolean {
  if (!e || typeof e !== "object" || depth > 4) return false;
  const o = e as { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
  if (typeof o.code === "string" && connectionCodes.has(o.code)) return true;
  if (typeof o.originalCode === "string" && connectionCodes.has(o.originalCode)) return true;
  if (o.kind === "ConnectionClosed") return true;
  if (typeof o.message === "string" && connectionMessages.some((m) => m.test(o.message as string))) return true;
  return matches(o.cause, depth + 1) || matches(o.meta?.driverAdapterError, depth + 1);
}

/** Whether `err` (pg, a Prisma error, a driver adapter error) says the connection was lost. */
export function isConnectionLoss(err: unknown): boolean {
  return matches(err, 0);
}

// Connecting failed: the server is down, unreachable, or not accepting connections yet.
// (P1001/P1002: Prisma's "can't reach" / "timed out reaching" the database server.)
const unreachableCodes = new Set(["ECONNREFUSED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "57P03", "P1001", "P1002"]);
const unreachableMessages = [/timeout exceeded when trying to connect/i, /Connection terminated due to connection timeout/i, /ECONNREFUSED/];

function unreachable(e: unknown, depth: number): boolean {
  if (!e || typeof e !== "object" || depth > 4) return false;
  const o = e as {
    code?: unknown;
    originalCode?: unknown;
    kind?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  if (typeof o.code === "string" && unreachableCodes.has(o.code)) return true;
  if (o.kind === "DatabaseNotReachable") return true;
  if (typeof o.originalCode === "string" && unreachableCodes.has(o.originalCode)) return true;
  if (typeof o.message === "string" && unreachableMessages.some((m) => m.test(o.message as string))) return true;
  // Node's AggregateError (a host with several addresses) lists one error per address.
  if (Array.isArray(o.errors) && o.errors.some((x) => unreachable(x, depth + 1))) return true;
  return unreachable(o.cause, depth + 1) || unreachable(o.meta?.driverAdapterError, depth + 1);
}

/**
 * Whether `err` says a database could not be used at all: it cannot be reached, or the
 * connection was lost (after the one retry). Requests answer 503 for these, not 500: a
 * tenant cluster that is down takes its tenants out, and nothing else.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return unreachable(err, 0) || isConnectionLoss(err);
}

/** Runs `work`; if it failed because its connection was lost, runs it once more. `work` must be safe to run twice. */
export async function retryOnConnectionLoss<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!isConnectionLoss(err)) throw err;
    return work();
  }
}

const readStatement = /^\s*SELECT\b/i;

/**
 * A Prisma adapter factory whose top-level (autocommit) SELECTs are retried once on a
 * lost connection. Tenant tables refuse writes outside withAudit's transaction (the audit
 * triggers need its context), so a top-level SELECT on a tenant client is a read.
 * Transactions are not touched here: withAudit retries those as a whole.
 */
export function retryingReads(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await factory.connect();
      const queryRaw = adapter.queryRaw.bind(adapter);
      adapter.queryRaw = (query) => (readStatement.test(query.sql) ? retryOnConnectionLoss(() => queryRaw(query)) : queryRaw(query));
      return adapter;
    },
  };
}
