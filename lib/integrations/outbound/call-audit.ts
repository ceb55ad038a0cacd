// The one audit row per logical outbound call (after retries, refusals included). It
// carries what health checks and call-stats.ts read back: never the token, headers,
// query string or bodies.
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { recordEvent } from "@/lib/audit/with-audit";
import type { CircuitStateName } from "./circuit-breaker";
import type { OutboundError } from "./errors";
import type { ParsedTarget } from "./types";
import { log } from "@/lib/observability/logger";

export interface CallRecord {
  method: string;
  /** Origin and path only. */
  url: string;
  status: number | null;
  latencyMs: number;
  attempts: number;
  circuit: CircuitStateName;
  error?: OutboundError;
}

export async function auditCall(target: ParsedTarget, ctx: AuditContext, call: CallRecord): Promise<void> {
  const ok = !call.error;
  // "GET https://api.example.com/v1/items -> 200 in 123 ms", or the reason when no status came back.
  const outcome = call.status !== null ? String(call.status) : `${call.error?.reason ?? "error"} (${call.error?.message ?? ""})`;
  const summary = `${call.method} ${call.url} -> ${outcome} in ${call.latencyMs} ms`;
  try {
    await recordEvent(target.tenantSlug, ctx, {
      action: auditActions.outboundCall,
      targetType: "integration",
      targetId: target.integrationId,
      summary: summary.slice(0, 1000),
      metadata: {
        method: call.method,
        url: call.url,
        status: call.status,
        ok,
        latencyMs: call.latencyMs,
        attempts: call.attempts,
        circuit: call.circuit,
        ...(call.error
          ? {
              error: call.error.message.slice(0, 500),
              reason: call.error.reason,
              retriable: call.error.retriable,
              ...(call.error.retryAfterSeconds !== undefined ? { retryAfterSeconds: call.error.retryAfterSeconds } : {}),
            }
          : {}),
      },
    });
  } catch (err) {
    // The call itself happened (a POST may have taken effect): failing it now would
    // invite a duplicate. Say so loudly instead.
    log().error({ err, component: "outbound", tenant: target.tenantSlug, call: `${call.method} ${call.url}` }, "could not audit an outbound call");
  }
}
