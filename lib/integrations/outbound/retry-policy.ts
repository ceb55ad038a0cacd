// When an outbound call may be tried again, and how long to wait first.
import type { OutboundMethod } from "./types";

/** Methods whose repetition has the same effect as one call (RFC 9110 9.2.2). */
const idempotentMethods: ReadonlySet<OutboundMethod> = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/** Statuses that say "try again later" rather than "this request is wrong". */
const transientStatuses: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);

/** Retry-After values up to this are waited out; longer ones are handed to the caller (Inngest). */
export const RETRY_AFTER_CAP_SECONDS = 30;
export const DEFAULT_BACKOFF_BASE_MS = 200;
const MAX_BACKOFF_MS = 10_000;

/** Repeating the request is safe: an idempotent method, or POST/PATCH with an Idempotency-Key the server dedupes on. */
export function mayRepeat(method: OutboundMethod, idempotencyKey: string | undefined): boolean {
  return idempotentMethods.has(method) || idempotencyKey !== undefined;
}

/**
 * A status worth another attempt. 500 only for idempotent methods: a POST that blew up
 * half-way may have done its work, and not every server stores the idempotency key of
 * a request that failed.
 */
export function isTransientStatus(status: number, method: OutboundMethod): boolean {
  return transientStatuses.has(status) || (status === 500 && idempotentMethods.has(method));
}

/** Statuses that come with a Retry-After worth honouring. */
export function honoursRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}

/**
 * Wait before attempt `attempt + 1`: base * 2^(attempt-1), with "equal jitter" (half
 * fixed, half random) so instances that failed together do not retry together, yet
 * never retry immediately.
 */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Seconds to wait from a Retry-After header: delta seconds ("120") or an HTTP date
 * ("Wed, 21 Oct 2015 07:28:00 GMT", in the past meaning 0). Undefined when absent or
 * malformed.
 */
export function parseRetryAfter(value: string | string[] | null | undefined, now: Date | number = Date.now()): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) {
    const seconds = Number(raw);
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  // An HTTP date always names a weekday or month; refusing bare numbers-with-junk
  // ("1.5", "-3") keeps Date.parse from guessing.
  if (!/[a-z]/i.test(raw)) return undefined;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  const nowMs = typeof now === "number" ? now : now.getTime();
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
