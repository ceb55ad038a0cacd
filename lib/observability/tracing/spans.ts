// The tracing calls the rest of the code makes. Only @opentelemetry/api is imported
// here: with no SDK started (OTEL_EXPORTER_OTLP_ENDPOINT unset) every call is the API's
// no-op, so code may trace unconditionally. The SDK lives in ./start.ts and is loaded by
// instrumentation.ts only when tracing is on.
import { context, createContextKey, SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";

const tracer = trace.getTracer("tenant-platform");

/** Tenant and request id of the work in progress, copied onto every span started under it (./request-attributes.ts). */
const requestKey = createContextKey("tenant-platform.request-attributes");

export interface RequestAttributes {
  tenant?: string;
  requestId?: string;
}

/** The attribute names every span of a request carries. */
export const attributeNames = { tenant: "tenant", requestId: "request.id" } as const;

export function toAttributes(attrs: RequestAttributes): Attributes {
  const out: Attributes = {};
  if (attrs.tenant) out[attributeNames.tenant] = attrs.tenant;
  if (attrs.requestId) out[attributeNames.requestId] = attrs.requestId;
  return out;
}

/** The request attributes in effect in `ctx` (set by withRequestAttributes), if any. */
export function requestAttributesOf(ctx: ReturnType<typeof context.active>): RequestAttributes | undefined {
  return ctx.getValue(requestKey) as RequestAttributes | undefined;
}

/**
 * Runs `fn` with tenant and request id attached: the current span gets them now, and
 * every span started inside `fn` (queries, Redis calls, outbound calls) gets them too.
 * `attrs` is kept by reference, so setRequestTenant can fill in the tenant once known.
 */
export function withRequestAttributes<T>(attrs: RequestAttributes, fn: () => T): T {
  trace.getActiveSpan()?.setAttributes(toAttributes(attrs));
  return context.with(context.active().setValue(requestKey, attrs), fn);
}

/** Names the tenant of the request in progress (inside withRequestAttributes): spans started from now on carry it. */
export function setRequestTenant(tenant: string): void {
  const attrs = requestAttributesOf(context.active());
  if (attrs) attrs.tenant = tenant;
  trace.getActiveSpan()?.setAttribute(attributeNames.tenant, tenant);
}

/** Runs `fn` in a span named `name`; an error thrown is recorded on the span and re-thrown. */
export function traced<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
