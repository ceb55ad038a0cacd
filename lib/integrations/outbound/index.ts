// The outbound client's public surface.
export { callIntegration, circuitState, resetCircuit } from "./client";
export { callStats, type CallStats } from "./call-stats";
export type { CircuitSnapshot, CircuitStateName } from "./circuit-breaker";
export {
  CircuitOpenError,
  OutboundError,
  OutboundTimeoutError,
  RateLimitedError,
  ResponseTooLargeError,
  SsrfRefusedError,
  type OutboundFailureReason,
} from "./errors";
export { parseRetryAfter } from "./retry-policy";
export type { OutboundOptions, OutboundRequest, OutboundResponse, OutboundTarget } from "./types";
