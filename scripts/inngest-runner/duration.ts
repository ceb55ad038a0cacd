// Time strings ("300ms", "2h45m", "1.5s"; spec 1.3.2), sleep targets (time string or
// RFC 3339 date) and Retry-After values (seconds, HTTP-date or RFC 3339; spec 4.1.1).

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d|w)/gy;

/** Milliseconds in a time string, or undefined when it is not one. */
export function parseTimeString(text: string): number | undefined {
  const s = text.trim();
  if (s === "0") return 0;
  if (!s) return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = PART.exec(s); m; m = PART.exec(s)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? Number.NaN);
    end = PART.lastIndex;
  }
  return end === s.length && Number.isFinite(total) ? total : undefined;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** The epoch ms a Sleep op should wake at, or undefined when the value is neither form. */
export function parseSleepTarget(value: string, now: number): number | undefined {
  const ms = parseTimeString(value);
  if (ms !== undefined) return now + ms;
  if (!ISO_DATE.test(value.trim())) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

/** Delay in ms asked for by a Retry-After header, or undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential backoff before retry number attempt+1 (attempt counts from 0). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}
