// Outbound calls (one logical call, retries included) by outcome, and their latency.
import { counter, histogram } from "@/lib/observability/metrics";
import { OutboundError } from "./errors";

const outcomes = [
  "ok",
  "http_4xx",
  "http_5xx",
  "network",
  "timeout",
  "circuit_open",
  "rate_limited",
  "ssrf",
  "redirect",
  "too_large",
  "invalid_request",
] as const;

export const outboundCalls = counter({
  name: "platform_outbound_calls_total",
  help: "Outbound integration calls by outcome (ok, http_4xx, http_5xx, network, timeout, circuit_open, rate_limited, ...).",
  labels: { outcome: outcomes },
});
export const outboundDuration = histogram({
  name: "platform_outbound_call_duration_seconds",
  help: "Duration of an outbound integration call, its retries included, by outcome.",
  labels: { outcome: outcomes },
});

export function outcomeOf(err: unknown): string {
  if (!err) return "ok";
  if (!(err instanceof OutboundError)) return "network";
  if (err.reason === "http_status") return err.status !== undefined && err.status >= 500 ? "http_5xx" : "http_4xx";
  return err.reason;
}

export function observeCall(err: unknown, ms: number): void {
  const outcome = outcomeOf(err);
  outboundCalls.inc({ outcome });
  outboundDuration.observe({ outcome }, ms / 1000);
}
