// Recognises the refusal of a move's write hold (./write-hold.ts) wherever it surfaces:
// a pg error, or a Prisma error wrapping the driver adapter's (code or originalCode,
// possibly a few causes deep), and turns it into the 503 callers should retry.
import { AppError } from "@/lib/errors/app-error";

/** The SQLSTATE the hold trigger raises (a custom code: nothing else uses it). */
export const WRITE_HOLD_SQLSTATE = "TMOVE";

/** Seconds a client should wait: the hold lasts under 2 s. */
export const WRITE_HOLD_RETRY_AFTER_SECONDS = 2;

function matches(e: unknown, depth: number): boolean {
  if (!e || typeof e !== "object" || depth > 4) return false;
  const o = e as { code?: unknown; originalCode?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown; code?: unknown } };
  if (o.code === WRITE_HOLD_SQLSTATE || o.originalCode === WRITE_HOLD_SQLSTATE || o.meta?.code === WRITE_HOLD_SQLSTATE) return true;
  return matches(o.cause, depth + 1) || matches(o.meta?.driverAdapterError, depth + 1);
}

/** Whether `err` is a write refused because the tenant is being moved. */
export function isTenantWriteHold(err: unknown): boolean {
  return matches(err, 0);
}

export function tenantMovingError(): AppError {
  return new AppError(
    "unavailable",
    "This tenant is being moved to another database: writes are paused for a moment. Retry after the Retry-After delay; reads keep working.",
    [],
    { headers: { "Retry-After": String(WRITE_HOLD_RETRY_AFTER_SECONDS) }, reason: "tenant_moving" },
  );
}
