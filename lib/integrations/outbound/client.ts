// The one outbound HTTP client: every call the platform makes to a tenant's `rest`
// integration. Per logical call: validate, build the URL, SSRF-check and pin the
// addresses, then per attempt ask the circuit breaker and the rate limit, make the
// request, record the outcome, and retry only what is safe to repeat. One audit row at
// the end, whatever happened.
import { observeCall } from "./metrics";
import { auditContextSchema, type AuditContext } from "@/lib/audit/context";
import { serverEnv } from "@/lib/env";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { attributeNames, traced } from "@/lib/observability/tracing/spans";
import { auditCall, type CallRecord } from "./call-audit";
import { admit, recordOutcome, releaseTrial, type Admission } from "./circuit-breaker";
import { notifyCircuitClosed, notifyCircuitOpened } from "./circuit-notify";
import { CircuitOpenError, OutboundError } from "./errors";
import { takeOutboundToken } from "./outbound-limit";
import { pinnedRequest, type RawResponse } from "./pinned-request";
import { buildUrl, displayUrl } from "./request-url";
import { backoffMs, DEFAULT_BACKOFF_BASE_MS, honoursRetryAfter, isTransientStatus, mayRepeat, parseRetryAfter, RETRY_AFTER_CAP_SECONDS } from "./retry-policy";
import { resolveAllowed } from "./ssrf-guard";
import {
  outboundRequestSchema,
  outboundTargetSchema,
  type OutboundOptions,
  type OutboundRequest,
  type OutboundResponse,
  type OutboundTarget,
  type ParsedRequest,
  type ParsedTarget,
} from "./types";
import { log } from "@/lib/observability/logger";

export { circuitState, resetCircuit } from "./circuit-breaker";

const USER_AGENT = "tenant-platform-outbound/1";
/** A trial lock outlives its one attempt by this much (DNS, Redis round trips), then frees itself if its holder died. */
const TRIAL_GRACE_MS = 5_000;
/** Set by the client; a caller's copy would be ignored or dangerous. */
const reservedHeaders = new Set([
  "host",
  "authorization",
  "proxy-authorization",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "idempotency-key",
]);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Prepared {
  headers: Record<string, string>;
  body: Buffer | undefined;
}

function prepare(target: ParsedTarget, request: ParsedRequest): Prepared {
  const headers: Record<string, string> = { accept: "application/json", "user-agent": USER_AGENT };
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const lower = name.toLowerCase();
    if (reservedHeaders.has(lower))
      throw new OutboundError(`header ${name} is set by the client, not the caller`, { reason: "invalid_request", retriable: false });
    headers[lower] = value;
  }
  let body: Buffer | undefined;
  if (request.json !== undefined) {
    let text: string | undefined;
    try {
      text = JSON.stringify(request.json);
    } catch (err) {
      throw new OutboundError("the JSON body cannot be serialised", { reason: "invalid_request", retriable: false, cause: err });
    }
    body = Buffer.from(text ?? "null", "utf8");
    headers["content-type"] = "application/json";
    headers["content-length"] = String(body.length);
  }
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  if (request.idempotencyKey) headers["idempotency-key"] = request.idempotencyKey;
  return { headers, body };
}

/** The error for a response we do not hand back as success. */
function statusError(res: RawResponse, url: URL, request: ParsedRequest, now: number): OutboundError {
  const status = res.status;
  if (status >= 300 && status < 400) {
    let where = "";
    try {
      if (res.headers.location) where = ` to ${new URL(res.headers.location, url).origin}`;
    } catch {
      // an unparseable Location: say nothing about it
    }
    return new OutboundError(`HTTP ${status}: redirect${where} not followed (set the integration's base URL to the final address)`, {
      reason: "redirect",
      retriable: false,
      status,
    });
  }
  const retryAfterSeconds = honoursRetryAfter(status) ? parseRetryAfter(res.headers["retry-after"], now) : undefined;
  return new OutboundError(`HTTP ${status}`, {
    reason: "http_status",
    retriable: isTransientStatus(status, request.method),
    status,
    retryAfterSeconds,
  });
}

/** Network trouble, timeouts, 5xx and 429 count against the circuit; the service answering anything else is healthy. */
function countsAsFailure(res: RawResponse | undefined, error: OutboundError | undefined): boolean {
  if (error) return error.reason === "network" || error.reason === "timeout";
  return res!.status >= 500 || res!.status === 429;
}

async function quietly(what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log().error({ err, component: "outbound", what }, "outbound bookkeeping failed");
  }
}

const secondsUntil = (at: number | undefined, now: number) => Math.max(1, Math.ceil(((at ?? now) - now) / 1000));

async function execute(target: ParsedTarget, request: ParsedRequest, ctx: AuditContext, opts: OutboundOptions, call: CallRecord): Promise<RawResponse> {
  const now = opts.now ?? Date.now;
  const url = buildUrl(target.baseUrl, request.path, request.query);
  call.url = displayUrl(url);
  const { headers, body } = prepare(target, request);
  // Resolved and checked once per logical call; every attempt connects to these addresses.
  const addresses = await resolveAllowed(url, {
    allowedHosts: new Set(opts.allowedHosts ?? serverEnv().INTEGRATIONS_ALLOWED_HOSTS),
    timeoutMs: target.timeoutMs,
  });
  const repeatable = mayRepeat(request.method, request.idempotencyKey);
  const { tenantSlug: slug, integrationId: id } = target;

  for (let attempt = 1; ; attempt++) {
    const admission: Admission = await admit(slug, id, { now: now(), trialTtlMs: target.timeoutMs + TRIAL_GRACE_MS });
    call.circuit = admission.state;
    if (!admission.allowed) throw new CircuitOpenError(secondsUntil(admission.retryAt, now()));
    const limited = await takeOutboundToken(target, sleep);
    if (limited) {
      await releaseTrial(slug, id, admission);
      throw limited;
    }

    call.attempts = attempt;
    let res: RawResponse | undefined;
    let error: OutboundError | undefined;
    try {
      res = await pinnedRequest({ url, method: request.method, headers, body, addresses, timeoutMs: target.timeoutMs });
    } catch (err) {
      error = err instanceof OutboundError ? err : new OutboundError(`request failed: ${String(err)}`, { reason: "network", retriable: true, cause: err });
    }
    call.status = res?.status ?? null;

    const outcome = await recordOutcome(slug, id, admission, !countsAsFailure(res, error), { ...target, now: now() });
    if (outcome.state !== "unknown") call.circuit = outcome.state;
    if (outcome.transition === "opened") {
      const lastError = error?.message ?? `HTTP ${res?.status}`;
      await quietly("circuit-open notice", () => notifyCircuitOpened(target, ctx, lastError));
    } else if (outcome.transition === "closed") {
      await quietly("circuit-closed audit", () => notifyCircuitClosed(target, ctx));
    }

    // 304 only answers a conditional request the caller made; it is a result, not a redirect.
    if (res && ((res.status >= 200 && res.status < 300) || res.status === 304)) return res;

    const failure = error ?? statusError(res!, url, request, now());
    // Retriable tells the caller a later try is both useful and safe.
    if (!repeatable) failure.retriable = false;
    // A half-open trial is one attempt: its verdict is in, and the circuit is open again.
    if (attempt >= target.maxAttempts || !failure.retriable || admission.trial) throw failure;
    let wait = backoffMs(attempt, opts.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS);
    if (failure.retryAfterSeconds !== undefined) {
      if (failure.retryAfterSeconds > RETRY_AFTER_CAP_SECONDS) throw failure;
      wait = Math.max(wait, failure.retryAfterSeconds * 1000);
    }
    await sleep(wait);
  }
}

function baseDisplay(baseUrl: string): string {
  try {
    return displayUrl(new URL(baseUrl));
  } catch {
    return "(invalid base URL)";
  }
}

/**
 * Calls a tenant's integration. Resolves with a 2xx (or 304) response; throws an
 * OutboundError (or subclass) otherwise: SsrfRefusedError, CircuitOpenError,
 * RateLimitedError, OutboundTimeoutError, ResponseTooLargeError, or one with `status`.
 * Invalid target, request or context: AppError bad_request, nothing sent or audited.
 */
export async function callIntegration(
  rawTarget: OutboundTarget,
  rawRequest: OutboundRequest,
  rawCtx: AuditContext,
  opts: OutboundOptions = {},
): Promise<OutboundResponse> {
  const target = parseOrThrow(outboundTargetSchema, rawTarget, "outbound target");
  const request = parseOrThrow(outboundRequestSchema, rawRequest, "outbound request");
  const ctx = parseOrThrow(auditContextSchema, rawCtx, "audit context");
  const call: CallRecord = { method: request.method, url: baseDisplay(target.baseUrl), status: null, latencyMs: 0, attempts: 0, circuit: "unknown" };
  // One span per logical call (retries included), named by method; origin and path only, as audited.
  const attributes = { "http.request.method": request.method, "integration.id": target.integrationId, [attributeNames.tenant]: target.tenantSlug };
  return traced(`outbound ${request.method}`, attributes, async (span) => {
    try {
      return await callTraced(target, request, ctx, opts, call);
    } finally {
      span.setAttributes({
        "url.full": call.url,
        "outbound.attempts": call.attempts,
        "outbound.circuit": call.circuit,
        ...(call.status !== null ? { "http.response.status_code": call.status } : {}),
      });
    }
  });
}

async function callTraced(target: ParsedTarget, request: ParsedRequest, ctx: AuditContext, opts: OutboundOptions, call: CallRecord): Promise<OutboundResponse> {
  const started = performance.now();
  try {
    const res = await execute(target, request, ctx, opts, call);
    call.latencyMs = Math.round(performance.now() - started);
    observeCall(null, performance.now() - started);
    await auditCall(target, ctx, call);
    const body = res.body;
    return {
      status: res.status,
      headers: res.headers,
      body,
      json: <T>() => JSON.parse(body.toString("utf8")) as T,
      latencyMs: call.latencyMs,
      attempts: call.attempts,
    };
  } catch (err) {
    call.latencyMs = Math.round(performance.now() - started);
    const error =
      err instanceof OutboundError
        ? err
        : new OutboundError(`unexpected error: ${err instanceof Error ? err.message : String(err)}`, { reason: "network", retriable: false, cause: err });
    error.attempts = call.attempts;
    call.error = error;
    observeCall(error, performance.now() - started);
    await auditCall(target, ctx, call);
    throw err instanceof OutboundError ? error : err;
  }
}
