// The OpenTelemetry SDK: loaded and started by instrumentation.ts only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, before anything loads `pg` or `ioredis` (their
// instrumentations patch the modules as they are required). Spans: Next's own (the
// request, the route), ours (principal check, outbound calls, workflow steps: ./spans.ts),
// every PostgreSQL query (pg, which Prisma's adapter uses too) and every Redis command
// (ioredis). Exported in batches over OTLP/HTTP JSON; an export that fails or takes longer
// than OTEL_EXPORTER_OTLP_TIMEOUT is dropped and counted (./export-failures.ts), never waited for by a request.
import type { Context } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { NodeSDK, resources, tracing } from "@opentelemetry/sdk-node";
import type { ServerEnv } from "@/lib/env";
import { recordExportFailure } from "./export-failures";
import { requestAttributesOf, toAttributes } from "./spans";

type ExportResult = Parameters<Parameters<tracing.SpanExporter["export"]>[1]>[0];

/** Copies the tenant and request id in effect (withRequestAttributes) onto each span as it starts. */
class RequestAttributesProcessor implements tracing.SpanProcessor {
  onStart(span: tracing.Span, parentContext: Context): void {
    const attrs = requestAttributesOf(parentContext);
    if (attrs) span.setAttributes(toAttributes(attrs));
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The OTLP exporter, with failures counted instead of logged per batch. */
class CountingExporter implements tracing.SpanExporter {
  constructor(private readonly inner: tracing.SpanExporter) {}
  export(spans: tracing.ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== 0) recordExportFailure(`${spans.length} span(s) not exported: ${result.error?.message ?? "unknown error"}`);
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

let sdk: NodeSDK | undefined;

export function startTracing(env: Pick<ServerEnv, "OTEL_EXPORTER_OTLP_ENDPOINT" | "OTEL_SERVICE_NAME" | "OTEL_EXPORTER_OTLP_TIMEOUT">): void {
  if (sdk || !env.OTEL_EXPORTER_OTLP_ENDPOINT) return;
  const exporter = new OTLPTraceExporter({
    url: `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces`,
    timeoutMillis: env.OTEL_EXPORTER_OTLP_TIMEOUT,
  });
  sdk = new NodeSDK({
    resource: resources.resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME }),
    autoDetectResources: false,
    spanProcessors: [
      new RequestAttributesProcessor(),
      // Bounded queue: with the collector down, spans beyond it are dropped, not kept.
      new tracing.BatchSpanProcessor(new CountingExporter(exporter), {
        maxQueueSize: 4096,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 1_000,
        exportTimeoutMillis: env.OTEL_EXPORTER_OTLP_TIMEOUT,
      }),
    ],
    // Traces only: no metric readers or log processors from OTEL_* defaults (metrics are prom-client's).
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // Statements are recorded without their parameters (values may be personal data or secrets).
      new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  // Flushes what is queued when the process ends on its own (no signal handler: that
  // would change how workers stop).
  process.once("beforeExit", () => void sdk?.shutdown().catch(() => undefined));
}
